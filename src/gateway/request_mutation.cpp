#include "gateway/request_mutation.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/mutation_rules.hpp"
#include "core/ascii.hpp"

namespace switchyard::gateway {

namespace {

constexpr std::size_t npos = std::string_view::npos;

void applyHeaders(const config::Mutations& mutations, std::vector<core::Header>& headers) {
  for (const auto& name : mutations.removeHeaders) {
    if (!config::protectedHeaderReason(name).empty()) continue;
    std::erase_if(headers, [&](const core::Header& h) { return core::iequalsAscii(h.name, name); });
  }
  for (const auto& [name, value] : mutations.setHeaders) {
    if (!config::protectedHeaderReason(name).empty()) continue;
    // Captured by an init-capture: clang before 16 cannot capture a structured binding.
    auto same = [&name = name](const core::Header& h) { return core::iequalsAscii(h.name, name); };
    const auto first = std::find_if(headers.begin(), headers.end(), same);
    if (first == headers.end()) {
      headers.push_back({name, value});
      continue;
    }
    first->value = value;
    headers.erase(std::remove_if(first + 1, headers.end(), same), headers.end());
  }
}

// --- the body: a top-level scan that finds each member's bytes without building a tree ---

struct Member {
  std::size_t keyBegin;  // the key's opening quote
  std::size_t keyEnd;    // after its closing quote
  std::size_t valueEnd;  // after the value
};

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::size_t skipSpace(std::string_view s, std::size_t i) {
  while (i < s.size() && isSpace(s[i])) ++i;
  return i;
}

// `s[i]` is '"'; the index after the closing quote, npos when unterminated.
std::size_t skipString(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      ++i;
    } else if (c == '"') {
      return i + 1;
    } else if (c < 0x20) {
      return npos;
    }
  }
  return npos;
}

// The index after the value starting at `i`; npos when the structure is broken.
std::size_t skipValue(std::string_view s, std::size_t i) {
  if (i >= s.size()) return npos;
  if (s[i] == '"') return skipString(s, i);
  if (s[i] == '{' || s[i] == '[') {
    std::string closers;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = skipString(s, i);
        if (i == npos) return npos;
        continue;
      }
      if (c == '{' || c == '[') {
        closers.push_back(c == '{' ? '}' : ']');
      } else if (c == '}' || c == ']') {
        if (closers.empty() || closers.back() != c) return npos;
        closers.pop_back();
        if (closers.empty()) return i + 1;
      }
      ++i;
    }
    return npos;
  }
  std::size_t end = i;
  while (end < s.size() && !isSpace(s[end]) && std::string_view(",:{}[]\"").find(s[end]) == npos)
    ++end;
  return end == i ? npos : end;
}

// The members of the object `body`, or nullopt when it is not one.
std::optional<std::vector<Member>> scanObject(std::string_view body) {
  std::vector<Member> members;
  std::size_t i = skipSpace(body, 0);
  if (i >= body.size() || body[i] != '{') return std::nullopt;
  i = skipSpace(body, i + 1);
  if (i < body.size() && body[i] == '}') {
    i = skipSpace(body, i + 1);
  } else {
    for (;;) {
      if (i >= body.size() || body[i] != '"') return std::nullopt;
      Member member{i, skipString(body, i), 0};
      if (member.keyEnd == npos) return std::nullopt;
      i = skipSpace(body, member.keyEnd);
      if (i >= body.size() || body[i] != ':') return std::nullopt;
      member.valueEnd = skipValue(body, skipSpace(body, i + 1));
      if (member.valueEnd == npos) return std::nullopt;
      members.push_back(member);
      i = skipSpace(body, member.valueEnd);
      if (i < body.size() && body[i] == ',') {
        i = skipSpace(body, i + 1);
        continue;
      }
      if (i < body.size() && body[i] == '}') {
        i = skipSpace(body, i + 1);
        break;
      }
      return std::nullopt;
    }
  }
  if (i != body.size()) return std::nullopt;
  return members;
}

// The member's name: the raw text between the quotes, decoded only when it has an escape.
std::string keyOf(std::string_view body, const Member& member) {
  const auto raw = body.substr(member.keyBegin + 1, member.keyEnd - member.keyBegin - 2);
  if (raw.find('\\') == npos) return std::string(raw);
  boost::system::error_code ec;
  const auto decoded =
      boost::json::parse(body.substr(member.keyBegin, member.keyEnd - member.keyBegin), ec);
  if (ec || !decoded.is_string()) return std::string(raw);
  return std::string(decoded.get_string());
}

bool mayTouch(std::string_view member) { return config::protectedBodyMemberReason(member).empty(); }

MutationResult applyBody(const config::Mutations& mutations, std::string& body) {
  const auto members = scanObject(body);
  if (!members) return MutationResult::BodySkipped;

  std::vector<bool> written(mutations.setBody.size(), false);
  std::string out;
  out.reserve(body.size() + 64);
  out += '{';
  bool changed = false;
  auto next = [&] {
    if (out.size() > 1) out += ',';
  };
  for (const auto& member : *members) {
    const auto key = keyOf(body, member);
    if (!mayTouch(key)) {
      next();
      out.append(body, member.keyBegin, member.valueEnd - member.keyBegin);
      continue;
    }
    if (std::find(mutations.removeBody.begin(), mutations.removeBody.end(), key) !=
        mutations.removeBody.end()) {
      changed = true;
      continue;
    }
    const auto set = std::find_if(mutations.setBody.begin(), mutations.setBody.end(),
                                  [&](const config::BodyField& f) { return f.path == key; });
    next();
    if (set == mutations.setBody.end()) {
      out.append(body, member.keyBegin, member.valueEnd - member.keyBegin);
      continue;
    }
    written[set - mutations.setBody.begin()] = true;
    changed = true;
    out.append(body, member.keyBegin, member.keyEnd - member.keyBegin);
    out += ':';
    out += set->json;
  }
  for (std::size_t i = 0; i < mutations.setBody.size(); ++i) {
    const auto& field = mutations.setBody[i];
    if (written[i] || !mayTouch(field.path)) continue;
    changed = true;
    next();
    out += boost::json::serialize(boost::json::string_view(field.path));
    out += ':';
    out += field.json;
  }
  out += '}';
  if (changed) body = std::move(out);
  return MutationResult::Applied;
}

}  // namespace

MutationResult applyMutations(const config::Mutations& mutations, core::OutboundRequest& request) {
  if (mutations.empty()) return MutationResult::Applied;
  if (mutations.hasHeaders()) applyHeaders(mutations, request.headers);
  if (!mutations.hasBody()) return MutationResult::Applied;
  return applyBody(mutations, request.body);
}

}  // namespace switchyard::gateway
