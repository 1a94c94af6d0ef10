// BackendTrafficPolicy (retry; rateLimit in parse_rate_limit.cpp) and ClientTrafficPolicy (request
// body limit).

#include "config/parsers.hpp"

namespace switchyard::config::detail {

namespace {

// Envoy Gateway's defaults: two retries; max back-off ten times the base.
constexpr int kDefaultNumRetries = 2;

std::optional<int> boundedInt(const Field& field, std::int64_t low, std::int64_t high) {
  const auto value = field.integer();
  if (!value) return std::nullopt;
  if (*value < low || *value > high) {
    field.error("must be between " + std::to_string(low) + " and " + std::to_string(high));
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

RetryPolicy parseRetry(const Field& retry) {
  RetryPolicy policy;
  policy.numRetries = boundedInt(retry["numRetries"], 0, 100).value_or(kDefaultNumRetries);
  policy.numAttemptsPerPriority = boundedInt(retry["numAttemptsPerPriority"], 0, 100).value_or(0);
  const auto perRetry = retry["perRetry"];
  if (perRetry.map()) {
    policy.perRetryTimeout = perRetry["timeout"].duration();
    const auto backOff = perRetry["backOff"];
    if (backOff.map()) {
      const auto base = backOff["baseInterval"].duration();
      const auto max = backOff["maxInterval"].duration();
      if (base) policy.backOffBase = *base;
      policy.backOffMax = max ? *max : base ? *base * 10 : policy.backOffMax;
      if (policy.backOffMax < policy.backOffBase) {
        backOff["maxInterval"].error("maxInterval must not be smaller than baseInterval");
      }
    }
  }
  const auto retryOn = retry["retryOn"];
  if (retryOn.map()) {
    for (const auto& trigger : retryOn["triggers"].list()) {
      if (auto value = trigger.str(true)) policy.triggers.push_back(*value);
    }
    for (const auto& code : retryOn["httpStatusCodes"].list()) {
      if (auto value = boundedInt(code, 100, 599)) policy.httpStatusCodes.push_back(*value);
    }
  }
  return policy;
}

}  // namespace

void parseTrafficPolicy(const Field& doc, ObjectMeta meta, Manifests& out) {
  const auto spec = doc["spec"];
  if (!spec.map(true)) return;
  TrafficPolicyManifest policy;
  policy.meta = std::move(meta);
  policy.targets = readTargetRefs(spec, policy.meta, true);
  if (spec["retry"].map()) policy.retry = parseRetry(spec["retry"]);
  if (spec["rateLimit"].map()) parseRateLimit(doc, spec["rateLimit"], policy);
  out.trafficPolicies.push_back(std::move(policy));
}

void parseClientPolicy(const Field& spec, ObjectMeta meta, Manifests& out) {
  if (!spec.map(true)) return;
  ClientPolicyManifest policy;
  policy.meta = std::move(meta);
  if (spec["connection"].map()) policy.bufferLimit = spec["connection"]["bufferLimit"].quantity();
  if (const auto limit = spec["connection"]["connectionLimit"]; limit.map()) {
    const auto value = limit["value"];
    if (const auto n = value.integer(true); n && *n < 1) {
      value.error("must be at least 1");
    } else if (n) {
      policy.connectionLimit = static_cast<std::uint64_t>(*n);
    }
  }
  out.clientPolicies.push_back(std::move(policy));
}

}  // namespace switchyard::config::detail
