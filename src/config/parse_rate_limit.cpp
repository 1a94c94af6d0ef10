// BackendTrafficPolicy spec.rateLimit (Envoy Gateway, gateway.envoyproxy.io/v1alpha1). Both forms
// are read: the deprecated `type: Global|Local` with its block, and `global:` and/or `local:`
// without a type (both apply when both are given). Limits and rules follow Envoy Gateway's API:
//
// - global.rules[] (required, at most 128) and local.rules[] (at most 16); per rule at most 8
//   clientSelectors, each with at least one of headers (at most 16), methods, path, sourceCIDR.
// - headers: type Exact (default) or RegularExpression with a value (RE2, full match; at most
//   1024 characters), or Distinct without value or invert; names at most 256 characters.
// - sourceCIDR: {type Exact (default) | Distinct, value a CIDR}; path {type PathPrefix (default) |
//   Exact | RegularExpression, value}; methods [{value, invert}].
// - limit {requests, unit: Second|Minute|Hour|Day|Month|Year} is required; limit.fromMetadata is
//   not read (Warning; the static limit applies).
// - cost.request {from: Number, number} (default 1). from: Metadata is refused: Switchyard knows a
//   request's usage only from its response. cost.response {from: Metadata, metadata {namespace
//   io.envoy.ai_gateway, key}} or {from: Number, number}; number and metadata are exclusive.
//   A Local rule may not have a response cost nor shadowMode (as in Envoy Gateway).
// - Switchyard extension: the annotation switchyard.dev/rate-limit-fail-closed: "true" on the
//   policy makes its Global rules refuse requests while Redis cannot be reached (Envoy Gateway has
//   only a controller-wide failClosed; an annotation survives the upstream CRDs' field pruning).

#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>

#include "config/mutation_rules.hpp"
#include "config/parsers.hpp"
#include "core/ascii.hpp"

namespace switchyard::config::detail {

namespace {

constexpr std::size_t kMaxGlobalRules = 128;
constexpr std::size_t kMaxLocalRules = 16;
constexpr std::size_t kMaxSelectors = 8;
constexpr std::size_t kMaxHeaders = 16;
constexpr std::size_t kMaxHeaderName = 256;
constexpr std::size_t kMaxMatchValue = 1024;
constexpr std::size_t kMaxCidr = 256;
constexpr std::string_view kAiGatewayMetadata = "io.envoy.ai_gateway";
constexpr std::string_view kFailClosedAnnotation = "switchyard.dev/rate-limit-fail-closed";
constexpr std::string_view kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                         "CONNECT", "OPTIONS", "TRACE", "PATCH"};

std::string lowerCase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = core::asciiLower(c);
  return out;
}

// The items at `field`, or nothing after an Error when there are more than `max`.
std::optional<std::vector<Field>> boundedList(const Field& field, std::size_t max,
                                              bool required = false) {
  auto items = field.list(required);
  if (items.size() > max) {
    field.error("at most " + std::to_string(max) + " entries are allowed, got " +
                std::to_string(items.size()));
    return std::nullopt;
  }
  return items;
}

std::optional<std::uint64_t> unsignedAt(const Field& field, bool required) {
  const auto value = field.integer(required);
  if (!value) return std::nullopt;
  if (*value < 0) {
    field.error("must not be negative");
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(*value);
}

std::shared_ptr<const RE2> compileRegex(const Field& field, const std::string& pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const RE2>(pattern, options);
  if (!regex->ok()) {
    field.error("invalid regular expression: " + regex->error());
    return nullptr;
  }
  return regex;
}

bool checkLength(const Field& field, const std::string& text, std::size_t max) {
  if (text.size() <= max) return true;
  field.error("longer than " + std::to_string(max) + " characters");
  return false;
}

std::optional<RateLimitHeaderMatch> parseHeader(const Field& item) {
  if (!item.map(true)) return std::nullopt;
  RateLimitHeaderMatch match;
  const auto type = item["type"].str().value_or("Exact");
  if (type == "RegularExpression") {
    match.type = RateLimitHeaderMatch::Type::RegularExpression;
  } else if (type == "Distinct") {
    match.type = RateLimitHeaderMatch::Type::Distinct;
  } else if (type != "Exact") {
    item["type"].error("unknown header match type \"" + type +
                       "\" (supported: Exact, RegularExpression, Distinct)");
    return std::nullopt;
  }
  const auto name = item["name"].str(true);
  if (!name) return std::nullopt;
  if (name->empty() || !isHeaderNameToken(*name)) {
    item["name"].error("\"" + *name + "\" is not a valid header name");
    return std::nullopt;
  }
  if (!checkLength(item["name"], *name, kMaxHeaderName)) return std::nullopt;
  match.name = lowerCase(*name);
  const auto invert = item["invert"].boolean();
  if (match.type == RateLimitHeaderMatch::Type::Distinct) {
    if (item["value"].present()) {
      item["value"].error("must not be set when type is Distinct (every value is its own bucket)");
      return std::nullopt;
    }
    if (invert.value_or(false)) {
      item["invert"].error("must not be set when type is Distinct");
      return std::nullopt;
    }
    return match;
  }
  const auto value = item["value"].str();
  if (!value) {
    if (!item["value"].present()) item["value"].error("required when type is " + type);
    return std::nullopt;
  }
  if (!checkLength(item["value"], *value, kMaxMatchValue)) return std::nullopt;
  match.value = *value;
  match.invert = invert.value_or(false);
  if (match.type == RateLimitHeaderMatch::Type::RegularExpression) {
    match.regex = compileRegex(item["value"], match.value);
    if (!match.regex) return std::nullopt;
  }
  return match;
}

std::optional<RateLimitMethodMatch> parseMethod(const Field& item) {
  if (!item.map(true)) return std::nullopt;
  const auto value = item["value"].str(true);
  if (!value) return std::nullopt;
  if (std::find(std::begin(kMethods), std::end(kMethods), *value) == std::end(kMethods)) {
    item["value"].error("unknown HTTP method \"" + *value +
                        "\" (supported: GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, "
                        "PATCH)");
    return std::nullopt;
  }
  return RateLimitMethodMatch{*value, item["invert"].boolean().value_or(false)};
}

std::optional<RateLimitPathMatch> parsePath(const Field& field) {
  if (!field.map(true)) return std::nullopt;
  RateLimitPathMatch match;
  const auto type = field["type"].str().value_or("PathPrefix");
  if (type == "Exact") {
    match.type = RateLimitPathMatch::Type::Exact;
  } else if (type == "RegularExpression") {
    match.type = RateLimitPathMatch::Type::RegularExpression;
  } else if (type != "PathPrefix") {
    field["type"].error("unknown path match type \"" + type +
                        "\" (supported: Exact, PathPrefix, RegularExpression)");
    return std::nullopt;
  }
  if (const auto value = field["value"].str()) {
    match.value = *value;
  } else if (field["value"].present()) {
    return std::nullopt;
  }
  if (!checkLength(field["value"], match.value, kMaxMatchValue)) return std::nullopt;
  match.invert = field["invert"].boolean().value_or(false);
  if (match.type == RateLimitPathMatch::Type::RegularExpression) {
    match.regex = compileRegex(field["value"], match.value);
    if (!match.regex) return std::nullopt;
  } else if (match.value.empty() || match.value.front() != '/') {
    field["value"].error("a path must start with '/'");
    return std::nullopt;
  }
  return match;
}

std::optional<SourceCidrMatch> parseCidr(const Field& field) {
  if (!field.map(true)) return std::nullopt;
  SourceCidrMatch match;
  const auto type = field["type"].str().value_or("Exact");
  if (type == "Distinct") {
    match.type = SourceCidrMatch::Type::Distinct;
  } else if (type != "Exact") {
    field["type"].error("unknown sourceCIDR type \"" + type + "\" (supported: Exact, Distinct)");
    return std::nullopt;
  }
  const auto valueField = field["value"];
  const auto value = valueField.str(true);
  if (!value || !checkLength(valueField, *value, kMaxCidr)) return std::nullopt;
  match.value = *value;
  auto invalid = [&] {
    valueField.error("\"" + *value +
                     "\" is not an address range (examples: 10.0.0.0/8, 192.168.1.7/32, "
                     "2001:db8::/32)");
    return std::nullopt;
  };
  if (!parseAddressRange(*value, match)) return invalid();
  return match;
}

std::optional<RateLimitSelector> parseSelector(const Field& item) {
  if (!item.map(true)) return std::nullopt;
  RateLimitSelector selector;
  const auto headers = item["headers"], methods = item["methods"], path = item["path"],
             cidr = item["sourceCIDR"];
  if (!headers.present() && !methods.present() && !path.present() && !cidr.present()) {
    item.error("at least one of headers, methods, path or sourceCIDR must be specified");
    return std::nullopt;
  }
  bool ok = true;
  if (const auto items = boundedList(headers, kMaxHeaders)) {
    for (const auto& header : *items) {
      auto match = parseHeader(header);
      ok = ok && match;
      if (match) selector.headers.push_back(std::move(*match));
    }
  } else {
    ok = false;
  }
  for (const auto& method : methods.list()) {
    auto match = parseMethod(method);
    ok = ok && match;
    if (match) selector.methods.push_back(std::move(*match));
  }
  if (path.present()) {
    selector.path = parsePath(path);
    ok = ok && selector.path;
  }
  if (cidr.present()) {
    selector.sourceCidr = parseCidr(cidr);
    ok = ok && selector.sourceCidr;
  }
  if (!ok) return std::nullopt;
  return selector;
}

bool parseLimit(const Field& limit, RateLimitRule& rule) {
  if (!limit.map(true)) return false;
  const auto requests = unsignedAt(limit["requests"], true);
  if (limit["fromMetadata"].present()) {
    limit["fromMetadata"].warning(
        "a limit from request metadata is not supported by switchyard; the static requests and "
        "unit apply");
  }
  static constexpr std::pair<std::string_view, RateLimitUnit> kUnits[] = {
      {"Second", RateLimitUnit::Second}, {"Minute", RateLimitUnit::Minute},
      {"Hour", RateLimitUnit::Hour},     {"Day", RateLimitUnit::Day},
      {"Month", RateLimitUnit::Month},   {"Year", RateLimitUnit::Year}};
  const auto unit = limit["unit"].str(true);
  if (!unit) return false;
  const auto found = std::find_if(std::begin(kUnits), std::end(kUnits),
                                  [&](const auto& entry) { return entry.first == *unit; });
  if (found == std::end(kUnits)) {
    limit["unit"].error("unknown unit \"" + *unit +
                        "\" (supported: Second, Minute, Hour, Day, Month, Year)");
    return false;
  }
  if (!requests) return false;
  rule.requests = *requests;
  rule.unit = found->second;
  return true;
}

// from / number / metadata of cost.request or cost.response; nullopt after an Error.
struct CostSpec {
  std::string from;
  std::optional<std::uint64_t> number;
  std::string metadataKey;
  Location keyWhere;
};

std::optional<CostSpec> parseCostSpec(const Field& field) {
  if (!field.map(true)) return std::nullopt;
  CostSpec spec;
  const auto from = field["from"].str(true);
  if (!from) return std::nullopt;
  if (*from != "Number" && *from != "Metadata") {
    field["from"].error("unknown cost source \"" + *from + "\" (supported: Number, Metadata)");
    return std::nullopt;
  }
  spec.from = *from;
  const auto number = field["number"], metadata = field["metadata"];
  if (number.present() && metadata.present()) {
    field.error("only one of number or metadata can be specified");
    return std::nullopt;
  }
  if (spec.from == "Number") {
    if (metadata.present()) {
      metadata.error("must not be set when from is Number");
      return std::nullopt;
    }
    if (!number.present()) {
      number.error("required when from is Number");
      return std::nullopt;
    }
    spec.number = unsignedAt(number, true);
    if (!spec.number) return std::nullopt;
    return spec;
  }
  if (number.present()) {
    number.error("must not be set when from is Metadata");
    return std::nullopt;
  }
  if (!metadata.present()) {
    metadata.error("required when from is Metadata");
    return std::nullopt;
  }
  if (!metadata.map(true)) return std::nullopt;
  const auto ns = metadata["namespace"].str(true);
  const auto key = metadata["key"].str(true);
  if (!ns || !key) return std::nullopt;
  if (*ns != kAiGatewayMetadata) {
    metadata["namespace"].error("metadata namespace \"" + *ns + "\" is not served (only " +
                                std::string(kAiGatewayMetadata) +
                                ", the costs the route's llmRequestCosts define)");
    return std::nullopt;
  }
  if (key->empty()) {
    metadata["key"].error("key must not be empty");
    return std::nullopt;
  }
  spec.metadataKey = *key;
  spec.keyWhere = metadata["key"].where();
  return spec;
}

bool parseRuleCost(const Field& cost, RateLimitRuleEntry& entry) {
  if (!cost.map(true)) return false;
  auto& rule = entry.rule;
  bool ok = true;
  if (const auto request = cost["request"]; request.present()) {
    const auto spec = parseCostSpec(request);
    if (spec && spec->from == "Metadata") {
      request["from"].error(
          "a request cost from metadata is not supported: switchyard knows a request's usage only "
          "from its response (use cost.response, and from: Number here)");
      ok = false;
    } else if (spec) {
      rule.requestCost = *spec->number;
    } else {
      ok = false;
    }
  }
  if (const auto response = cost["response"]; response.present()) {
    if (rule.scope == RateLimitRule::Scope::Local) {
      response.error("a response cost is not supported for Local rate limits");
      return false;
    }
    const auto spec = parseCostSpec(response);
    if (spec && spec->from == "Number") {
      rule.responseCost.from = RateLimitRule::ResponseCost::From::Number;
      rule.responseCost.number = *spec->number;
    } else if (spec) {
      rule.responseCost.from = RateLimitRule::ResponseCost::From::Metadata;
      rule.responseCost.metadataKey = spec->metadataKey;
      entry.responseKeyWhere = spec->keyWhere;
    } else {
      ok = false;
    }
  }
  return ok;
}

std::optional<RateLimitRuleEntry> parseRule(const Field& item, RateLimitRule::Scope scope,
                                            std::size_t index, const ObjectMeta& policy,
                                            bool failClosed) {
  if (!item.map(true)) return std::nullopt;
  RateLimitRuleEntry entry;
  auto& rule = entry.rule;
  rule.scope = scope;
  rule.index = index;
  rule.policy = policy.key();
  rule.id = policy.key() + (scope == RateLimitRule::Scope::Global ? "/global/" : "/local/") +
            std::to_string(index);
  rule.where = item.where();
  rule.failClosed = failClosed && scope == RateLimitRule::Scope::Global;
  bool ok = true;
  if (const auto selectors = boundedList(item["clientSelectors"], kMaxSelectors)) {
    for (const auto& selectorField : *selectors) {
      auto selector = parseSelector(selectorField);
      ok = ok && selector;
      if (selector) rule.clientSelectors.push_back(std::move(*selector));
    }
  } else {
    ok = false;
  }
  ok = parseLimit(item["limit"], rule) && ok;
  if (item["cost"].present()) ok = parseRuleCost(item["cost"], entry) && ok;
  rule.shared = item["shared"].boolean().value_or(false);
  const auto shadow = item["shadowMode"].boolean();
  if (shadow.value_or(false) && scope == RateLimitRule::Scope::Local) {
    item["shadowMode"].error("shadowMode is only supported for Global rate limits");
    ok = false;
  }
  rule.shadowMode = shadow.value_or(false);
  if (!ok) return std::nullopt;
  return entry;
}

void parseRules(const Field& block, RateLimitRule::Scope scope, const ObjectMeta& policy,
                bool failClosed, std::vector<RateLimitRuleEntry>& out) {
  if (!block.map(true)) return;
  const bool global = scope == RateLimitRule::Scope::Global;
  const auto rules = boundedList(block["rules"], global ? kMaxGlobalRules : kMaxLocalRules, global);
  if (!rules) return;
  if (rules->empty() && block["rules"].present()) {
    block["rules"].warning("no rules; nothing is limited");
  }
  for (std::size_t i = 0; i < rules->size(); ++i) {
    if (auto rule = parseRule((*rules)[i], scope, i, policy, failClosed))
      out.push_back(std::move(*rule));
  }
}

// The fail-closed annotation; false (after an Error) when it is not "true" or "false".
bool failClosedOf(const Field& doc) {
  const auto annotations = doc["metadata"]["annotations"];
  if (!annotations.map()) return false;
  for (const auto& [key, value] : annotations.entries()) {
    if (key != kFailClosedAnnotation) continue;
    const auto text = value.str();
    if (text == "true") return true;
    if (text && *text != "false")
      value.error("expected \"true\" or \"false\", got \"" + *text + "\"");
  }
  return false;
}

}  // namespace

bool parseAddressRange(std::string_view text, SourceCidrMatch& match) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return false;
  const std::string address(text.substr(0, slash));
  const std::string_view prefix = text.substr(slash + 1);
  unsigned length = 0;
  const auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), length);
  if (prefix.empty() || ec != std::errc() || end != prefix.data() + prefix.size()) return false;
  if (inet_pton(AF_INET, address.c_str(), match.network.data()) == 1) {
    if (length > 32) return false;
  } else if (inet_pton(AF_INET6, address.c_str(), match.network.data()) == 1) {
    if (length > 128) return false;
    match.ipv6 = true;
  } else {
    return false;
  }
  match.prefixLength = length;
  // Host bits are cleared, as Go's net.ParseCIDR (Envoy Gateway) does: 10.1.2.3/8 is 10.0.0.0/8.
  for (std::size_t i = 0; i < match.network.size(); ++i) {
    const unsigned bitsBefore = static_cast<unsigned>(i) * 8;
    if (length >= bitsBefore + 8) continue;
    const unsigned keep = length > bitsBefore ? length - bitsBefore : 0;
    match.network[i] &= static_cast<std::uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  return true;
}

void parseRateLimit(const Field& doc, const Field& rateLimit, TrafficPolicyManifest& policy) {
  std::vector<RateLimitRuleEntry> rules;
  policy.rateLimitWhere = rateLimit.where();
  const bool failClosed = failClosedOf(doc);
  const auto global = rateLimit["global"], local = rateLimit["local"];
  if (const auto type = rateLimit["type"].str()) {
    if (*type != "Global" && *type != "Local") {
      rateLimit["type"].error("unknown rate limit type \"" + *type +
                              "\" (supported: Global, Local)");
      return;
    }
    const auto& block = *type == "Global" ? global : local;
    if (!block.present()) {
      block.error("required when type is " + *type);
      return;
    }
  }
  if (!global.present() && !local.present()) {
    rateLimit.warning("neither global nor local is given; nothing is limited");
  }
  if (global.present())
    parseRules(global, RateLimitRule::Scope::Global, policy.meta, failClosed, rules);
  if (local.present())
    parseRules(local, RateLimitRule::Scope::Local, policy.meta, failClosed, rules);
  if (failClosed && std::none_of(rules.begin(), rules.end(), [](const auto& entry) {
        return entry.rule.scope == RateLimitRule::Scope::Global;
      })) {
    rateLimit.warning(std::string(kFailClosedAnnotation) +
                      " only concerns Global rules (Redis); this policy has none");
  }
  policy.rateLimit = std::move(rules);
}

}  // namespace switchyard::config::detail
