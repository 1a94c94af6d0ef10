// llmRequestCosts: AIGatewayRoute.spec.llmRequestCosts[],
// GatewayConfig.spec.globalLLMRequestCosts[] (the Gateway annotation that names a GatewayConfig is
// read in parse_gateway.cpp).
// Limits follow Envoy AI Gateway's API (at most 36 route entries; metadataKey unique in a list). A
// CEL expression is compiled here and evaluated once on sample usage, so a bad one is an Error at
// its field.

#include <map>
#include <variant>

#include "cel/expression.hpp"
#include "config/parsers.hpp"

namespace switchyard::config::detail {

namespace {

constexpr std::size_t kMaxCosts = 36;

struct CostTypeName {
  std::string_view name;
  LlmRequestCost::Type type;
};

constexpr CostTypeName kCostTypes[] = {
    {"InputToken", LlmRequestCost::Type::InputToken},
    {"CachedInputToken", LlmRequestCost::Type::CachedInputToken},
    {"CacheCreationInputToken", LlmRequestCost::Type::CacheCreationInputToken},
    {"OutputToken", LlmRequestCost::Type::OutputToken},
    {"TotalToken", LlmRequestCost::Type::TotalToken},
    {"ReasoningToken", LlmRequestCost::Type::ReasoningToken},
    {"CEL", LlmRequestCost::Type::Cel},
};

std::optional<LlmRequestCost::Type> costTypeOf(std::string_view name) {
  for (const auto& entry : kCostTypes)
    if (entry.name == name) return entry.type;
  // Envoy AI Gateway's v1alpha1 name for cache creation tokens, still in its examples.
  if (name == "CachedWriteInputToken") return LlmRequestCost::Type::CacheCreationInputToken;
  return std::nullopt;
}

std::string costTypeNames() {
  std::string out;
  for (const auto& entry : kCostTypes) out += (out.empty() ? "" : ", ") + std::string(entry.name);
  return out;
}

// Compiles cost.cel into cost.expression, then evaluates it on a sample answer with every token
// count 1, so that an expression that cannot give a cost (a negative or non-integer result, an
// overflow) is an Error at load rather than a failure on every request. With every count 0 a
// failure is only a Warning: `total_tokens / input_tokens` is a sound cost that fails only there.
bool compileCostExpression(const Field& field, LlmRequestCost& cost) {
  auto compiled = cel::Expression::compile(cost.cel);
  if (const auto* error = std::get_if<cel::CompileError>(&compiled)) {
    field.error("invalid CEL expression at offset " + std::to_string(error->offset) + ": " +
                error->message);
    return false;
  }
  auto expression =
      std::make_shared<const cel::Expression>(std::move(std::get<cel::Expression>(compiled)));
  cel::Inputs sample{.model = "sample-model",
                     .backend = "sample-backend.default",
                     .routeName = "sample-route",
                     .inputTokens = 1,
                     .cachedInputTokens = 1,
                     .cacheCreationInputTokens = 1,
                     .outputTokens = 1,
                     .totalTokens = 1,
                     .reasoningTokens = 1};
  if (const auto value = expression->evaluate(sample); !value) {
    field.error("CEL expression fails on a sample answer with every token count 1: " +
                value.error().message);
    return false;
  }
  sample.inputTokens = sample.cachedInputTokens = sample.cacheCreationInputTokens =
      sample.outputTokens = sample.totalTokens = sample.reasoningTokens = 0;
  if (const auto value = expression->evaluate(sample); !value) {
    field.warning("CEL expression fails on an answer with every token count 0: " +
                  value.error().message);
  }
  cost.expression = std::move(expression);
  return true;
}

std::optional<LlmRequestCost> parseCost(const Field& item, const std::string& source) {
  if (!item.map(true)) return std::nullopt;
  LlmRequestCost cost;
  cost.source = source;
  cost.where = item.where();
  const auto key = item["metadataKey"].str(true);
  const auto typeName = item["type"].str(true);
  if (key && key->empty()) {
    item["metadataKey"].error("metadataKey must not be empty");
    return std::nullopt;
  }
  if (!key || !typeName) return std::nullopt;
  cost.metadataKey = *key;
  const auto type = costTypeOf(*typeName);
  if (!type) {
    item["type"].error("unknown type \"" + *typeName + "\" (supported: " + costTypeNames() + ")");
    return std::nullopt;
  }
  cost.type = *type;
  const auto celField = item["cel"];
  if (cost.type != LlmRequestCost::Type::Cel) {
    if (celField.present()) celField.warning("cel is only read when type is CEL; ignored");
    return cost;
  }
  const auto cel = celField.str();
  if (!celField.present()) {
    celField.error("required when type is CEL");
    return std::nullopt;
  }
  if (!cel) return std::nullopt;
  if (cel->find_first_not_of(" \t\r\n") == std::string::npos) {
    celField.error("CEL expression must not be empty");
    return std::nullopt;
  }
  cost.cel = *cel;
  if (!compileCostExpression(celField, cost)) return std::nullopt;
  return cost;
}

}  // namespace

std::vector<LlmRequestCost> parseLlmRequestCosts(const Field& list, const std::string& source,
                                                 bool bounded) {
  std::vector<LlmRequestCost> out;
  auto items = list.list();
  if (bounded && items.size() > kMaxCosts) {
    list.error("at most " + std::to_string(kMaxCosts) + " entries are allowed, got " +
               std::to_string(items.size()));
    return out;
  }
  std::map<std::string, int> definedAt;  // metadataKey → line
  for (const auto& item : items) {
    auto cost = parseCost(item, source);
    if (!cost) continue;
    const auto [it, inserted] = definedAt.emplace(cost->metadataKey, item.line());
    if (!inserted) {
      item["metadataKey"].error("metadataKey " + cost->metadataKey +
                                " is defined twice (also at line " + std::to_string(it->second) +
                                ")");
      continue;
    }
    out.push_back(std::move(*cost));
  }
  return out;
}

void parseGatewayConfig(const Field& spec, ObjectMeta meta, Manifests& out) {
  GatewayConfigManifest config;
  config.meta = std::move(meta);
  if (spec.map()) {
    config.costs = parseLlmRequestCosts(spec["globalLLMRequestCosts"],
                                        "GatewayConfig " + config.meta.key(), false);
  }
  out.gatewayConfigs.push_back(std::move(config));
}

}  // namespace switchyard::config::detail
