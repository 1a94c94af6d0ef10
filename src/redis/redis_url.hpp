#pragma once
// Where the Redis of Global rate limits is and how to log in: `redis://[user:pass@]host:port/db`,
// from --redis-url or the environment. The password never appears in an error message or in
// redacted(), the only form meant for logs.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace switchyard::redis {

struct RedisUrl {
  std::string host;  // a name or an IP literal (IPv6 without brackets)
  std::uint16_t port = 6379;
  std::uint32_t db = 0;
  std::string username;  // empty: AUTH with the password alone (the default user)
  std::string password;  // empty: no AUTH

  // `redis://[user:pass@]host[:port][/db]`; user and password percent-decoded. `rediss://` (TLS)
  // and every other scheme are refused: Debian's hiredis 0.14 has no TLS. Errors (InvalidRequest)
  // never quote the URL, which may hold the password.
  static core::Result<RedisUrl> parse(std::string_view text);

  // The URL with the password replaced by "***", for logs and status lines.
  std::string redacted() const;
};

}  // namespace switchyard::redis
