// headerMutation and bodyMutation, as AIGatewayRoute backendRefs[] and AIServiceBackend spec carry
// them. Limits follow Envoy AI Gateway's CRDs (MaxItems 16 per list; header names are Gateway API
// HTTPHeaderName tokens of at most 256 characters, values 1..4096 characters; body paths name one
// top-level member). A body value is JSON text; text that is not JSON and does not try to be
// (`scale`) is sent as a JSON string, as Envoy AI Gateway does, while broken JSON (`{"a":`) is an
// Error. Protected names (config/mutation_rules.hpp): setting one is an Error, removing one a
// Warning (it has no effect: client credentials are never forwarded, and the gateway writes its
// own after the mutation).

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>

#include "config/mutation_rules.hpp"
#include "config/parsers.hpp"
#include "core/ascii.hpp"

namespace switchyard::config::detail {

namespace {

constexpr std::size_t kMaxItems = 16;
constexpr std::size_t kMaxHeaderName = 256;
constexpr std::size_t kMaxHeaderValue = 4096;

std::string lowerCase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = core::asciiLower(c);
  return out;
}

std::string_view trimmed(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

// The sequence at `field`, or nothing after an Error when it has more than Envoy AI Gateway allows.
std::vector<Field> boundedList(const Field& field) {
  auto items = field.list();
  if (items.size() > kMaxItems) {
    field.error("at most " + std::to_string(kMaxItems) + " entries are allowed, got " +
                std::to_string(items.size()));
    items.clear();
  }
  return items;
}

bool checkHeaderName(const Field& field, std::string_view name) {
  if (name.empty()) {
    field.error("header name must not be empty");
    return false;
  }
  if (name.size() > kMaxHeaderName) {
    field.error("header name is longer than " + std::to_string(kMaxHeaderName) + " characters");
    return false;
  }
  if (!isHeaderNameToken(name)) {
    field.error("\"" + std::string(name) +
                "\" is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only; no "
                "pseudo-headers)");
    return false;
  }
  return true;
}

bool checkHeaderValue(const Field& field, std::string_view value) {
  if (value.empty()) {
    field.error("header value must not be empty");
    return false;
  }
  if (value.size() > kMaxHeaderValue) {
    field.error("header value is longer than " + std::to_string(kMaxHeaderValue) + " characters");
    return false;
  }
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    field.error("header value must not contain CR, LF or NUL");
    return false;
  }
  return true;
}

// A body member name: one top-level member, as Envoy AI Gateway documents ("Only top-level fields
// are currently supported"); its implementation would read `.` and these as path syntax.
bool checkBodyPath(const Field& field, std::string_view path) {
  if (path.empty()) {
    field.error("path must not be empty");
    return false;
  }
  if (path.find_first_of(".*?#|@\\") != std::string_view::npos) {
    field.error("\"" + std::string(path) +
                "\": only a top-level member name is supported (no '.', '*', '?', '#', '|', '@' "
                "or '\\' path syntax)");
    return false;
  }
  if (const auto reason = protectedBodyMemberReason(path); !reason.empty()) {
    field.error("body member \"" + std::string(path) + "\" " + std::string(reason) +
                "; a bodyMutation may not change it");
    return false;
  }
  return true;
}

// The value of a bodyMutation.set entry as JSON text; nullopt after an Error.
std::optional<std::string> bodyValueJson(const Field& field) {
  if (field.node().IsMap() || field.node().IsSequence()) {
    field.error("value is JSON text in a YAML string; quote it, e.g. value: '{\"key\": 1}'");
    return std::nullopt;
  }
  const auto text = field.str(true);
  if (!text) return std::nullopt;
  const auto json = trimmed(*text);
  if (json.empty()) {
    field.error("value must not be empty (write '\"\"' for an empty JSON string)");
    return std::nullopt;
  }
  boost::system::error_code ec;
  boost::json::parse(json, ec);
  if (!ec) return std::string(json);
  const char first = json.front();
  const bool triesJson = first == '{' || first == '[' || first == '"' || first == '-' ||
                         (first >= '0' && first <= '9');
  if (triesJson) {
    field.error("value is not valid JSON (" + ec.message() + "): " + std::string(json));
    return std::nullopt;
  }
  return boost::json::serialize(boost::json::string_view(*text));
}

void parseHeaderMutation(const Field& field, Mutations& out) {
  if (!field.present() || !field.map(true)) return;
  std::map<std::string, int> setAt;  // lower-case name → line
  for (const auto& item : boundedList(field["set"])) {
    if (!item.map(true)) continue;
    const auto name = item["name"].str(true);
    const auto value = item["value"].str(true);
    if (!name || !value) continue;
    if (!checkHeaderName(item["name"], *name)) continue;
    if (const auto reason = protectedHeaderReason(*name); !reason.empty()) {
      item["name"].error("header " + *name + " " + std::string(reason) +
                         "; a headerMutation may not set it");
      continue;
    }
    if (!checkHeaderValue(item["value"], *value)) continue;
    const auto [it, inserted] = setAt.emplace(lowerCase(*name), item.line());
    if (!inserted) {
      item["name"].error("header " + *name + " is set twice (also at line " +
                         std::to_string(it->second) + ")");
      continue;
    }
    out.setHeaders.emplace_back(*name, *value);
  }
  std::map<std::string, int> removeAt;
  for (const auto& item : boundedList(field["remove"])) {
    const auto name = item.str(true);
    if (!name || !checkHeaderName(item, *name)) continue;
    if (const auto reason = protectedHeaderReason(*name); !reason.empty()) {
      item.warning("header " + *name + " " + std::string(reason) +
                   " (client headers are not forwarded upstream); removing it has no effect, "
                   "entry ignored");
      continue;
    }
    auto lower = lowerCase(*name);
    const auto [it, inserted] = removeAt.emplace(lower, item.line());
    if (!inserted) {
      item.error("header " + *name + " is listed twice (also at line " +
                 std::to_string(it->second) + ")");
      continue;
    }
    if (setAt.contains(lower)) {
      item.warning("header " + *name + " is also in set, which wins; entry ignored");
      continue;
    }
    out.removeHeaders.push_back(std::move(lower));
  }
}

void parseBodyMutation(const Field& field, Mutations& out) {
  if (!field.present() || !field.map(true)) return;
  std::map<std::string, int> setAt;
  for (const auto& item : boundedList(field["set"])) {
    if (!item.map(true)) continue;
    const auto path = item["path"].str(true);
    auto json = bodyValueJson(item["value"]);
    if (!path || !json || !checkBodyPath(item["path"], *path)) continue;
    const auto [it, inserted] = setAt.emplace(*path, item.line());
    if (!inserted) {
      item["path"].error("body member \"" + *path + "\" is set twice (also at line " +
                         std::to_string(it->second) + ")");
      continue;
    }
    out.setBody.push_back(BodyField{*path, std::move(*json)});
  }
  std::map<std::string, int> removeAt;
  for (const auto& item : boundedList(field["remove"])) {
    const auto path = item.str(true);
    if (!path || !checkBodyPath(item, *path)) continue;
    const auto [it, inserted] = removeAt.emplace(*path, item.line());
    if (!inserted) {
      item.error("body member \"" + *path + "\" is listed twice (also at line " +
                 std::to_string(it->second) + ")");
      continue;
    }
    if (setAt.contains(*path)) {
      item.warning("body member \"" + *path + "\" is also in set, which wins; entry ignored");
      continue;
    }
    out.removeBody.push_back(*path);
  }
}

}  // namespace

Mutations parseMutations(const Field& owner) {
  Mutations out;
  parseHeaderMutation(owner["headerMutation"], out);
  parseBodyMutation(owner["bodyMutation"], out);
  return out;
}

}  // namespace switchyard::config::detail
