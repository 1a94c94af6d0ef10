#include "redis/redis_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>
#include <limits>

namespace switchyard::redis {

namespace {

core::Error urlError(std::string_view what) {
  return core::Error::make(
      core::ErrorKind::InvalidRequest,
      "redis URL: " + std::string(what) + " (expected redis://[user:pass@]host:port/db)",
      "redis-url");
}

bool equalsLower(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

template <class Int>
bool parseDecimal(std::string_view text, Int& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

core::Result<RedisUrl> RedisUrl::parse(std::string_view text) {
  // The scheme first, so that rediss:// gets its own answer whatever follows.
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return urlError("no scheme");
  const auto scheme = text.substr(0, colon);
  if (equalsLower(scheme, "rediss"))
    return urlError("rediss:// (TLS) is not supported: Debian's hiredis 0.14 has no TLS");
  if (!equalsLower(scheme, "redis"))
    return urlError("the scheme must be redis://, not " + std::string(scheme) + "://");

  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    return urlError(
        "not a valid URL (percent-encode reserved characters such as @ / # in the user name or "
        "password)");
  }
  const boost::urls::url_view& url = *parsed;
  if (url.has_query()) return urlError("query parameters are not supported");
  if (url.has_fragment()) return urlError("a fragment is not allowed");

  RedisUrl out;
  switch (url.host_type()) {
    case boost::urls::host_type::name:
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
      out.host = url.host_address();
      break;
    default:
      return urlError("unsupported host");
  }
  if (out.host.empty()) return urlError("no host");

  if (url.has_port()) {
    unsigned port = 0;
    if (!parseDecimal(url.port(), port) || port == 0 || port > 65535)
      return urlError("the port must be a number from 1 to 65535");
    out.port = static_cast<std::uint16_t>(port);
  }

  std::string_view path = url.encoded_path();
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty()) {
    std::uint32_t db = 0;
    if (!parseDecimal(path, db) || db > static_cast<std::uint32_t>(std::numeric_limits<int>::max()))
      return urlError("the path must be a database number");
    out.db = db;
  }

  if (url.has_userinfo()) {
    out.username = url.user();
    if (url.has_password()) out.password = url.password();
    if (out.password.empty()) {
      // `redis://name@host` is read as a user name by some clients and as a password by others.
      return urlError(url.has_password() || out.username.empty()
                          ? "the password is empty"
                          : "a user name needs a password (write :pass@ for a password alone)");
    }
  }
  return out;
}

std::string RedisUrl::redacted() const {
  std::string out = "redis://";
  if (!username.empty()) out += username;
  if (!password.empty()) out += ":***@";
  if (host.find(':') != std::string::npos) {
    out += '[';
    out += host;
    out += ']';
  } else {
    out += host;
  }
  out += ':';
  out += std::to_string(port);
  out += '/';
  out += std::to_string(db);
  return out;
}

}  // namespace switchyard::redis
