#include "emulator/stats.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace switchyard::emulator {

namespace json = boost::json;

std::string renderStats(const Stats& stats) {
  json::object out;
  out["token_requests"] = stats.tokenRequests;
  out["tokens_issued"] = stats.tokensIssued;
  json::object byModel;
  for (const auto& [model, count] : stats.generateRequests) byModel[model] = count;
  out["generate_requests"] = std::move(byModel);
  out["generate_requests_total"] = stats.generateRequestsTotal;
  out["stream_requests"] = stats.streamRequests;
  json::object predictByModel;
  for (const auto& [model, count] : stats.predictRequests) predictByModel[model] = count;
  out["predict_requests"] = std::move(predictByModel);
  out["predict_requests_total"] = stats.predictRequestsTotal;
  json::object claudeByModel;
  for (const auto& [model, count] : stats.claudeRequests) claudeByModel[model] = count;
  out["claude_requests"] = std::move(claudeByModel);
  out["claude_requests_total"] = stats.claudeRequestsTotal;
  json::object countByModel;
  for (const auto& [model, count] : stats.countTokensRequests) countByModel[model] = count;
  out["count_tokens_requests"] = std::move(countByModel);
  out["count_tokens_requests_total"] = stats.countTokensRequestsTotal;
  out["faults_injected"] = stats.faultsInjected;
  out["connections_accepted"] = stats.connectionsAccepted;
  out["client_disconnects"] = stats.clientDisconnects;
  out["endless_body_bytes"] = stats.endlessBodyBytes;
  out["last_request_path"] = stats.lastRequestPath;
  json::object headers;
  for (const auto& [name, value] : stats.lastRequestHeaders) headers[name] = value;
  out["last_request_headers"] = std::move(headers);
  out["last_request_body"] = stats.lastRequestBody;
  return json::serialize(out);
}

void StatsRecorder::tokenRequest() {
  std::lock_guard lock(mutex_);
  ++stats_.tokenRequests;
}

void StatsRecorder::tokenIssued() {
  std::lock_guard lock(mutex_);
  ++stats_.tokensIssued;
}

void StatsRecorder::generateRequest(std::string_view model, bool stream, std::string_view path,
                                    std::vector<std::pair<std::string, std::string>> headers,
                                    std::string_view body) {
  std::lock_guard lock(mutex_);
  ++stats_.generateRequestsTotal;
  ++stats_.generateRequests[std::string(model)];
  if (stream) ++stats_.streamRequests;
  stats_.lastRequestPath = path;
  stats_.lastRequestHeaders = std::move(headers);
  stats_.lastRequestBody = body;
}

void StatsRecorder::predictRequest(std::string_view model, std::string_view path,
                                   std::vector<std::pair<std::string, std::string>> headers,
                                   std::string_view body) {
  std::lock_guard lock(mutex_);
  ++stats_.predictRequestsTotal;
  ++stats_.predictRequests[std::string(model)];
  stats_.lastRequestPath = path;
  stats_.lastRequestHeaders = std::move(headers);
  stats_.lastRequestBody = body;
}

void StatsRecorder::claudeRequest(std::string_view model, bool stream, std::string_view path,
                                  std::vector<std::pair<std::string, std::string>> headers,
                                  std::string_view body) {
  std::lock_guard lock(mutex_);
  ++stats_.claudeRequestsTotal;
  ++stats_.claudeRequests[std::string(model)];
  if (stream) ++stats_.streamRequests;
  stats_.lastRequestPath = path;
  stats_.lastRequestHeaders = std::move(headers);
  stats_.lastRequestBody = body;
}

void StatsRecorder::countTokensRequest(std::string_view model, std::string_view path,
                                       std::vector<std::pair<std::string, std::string>> headers,
                                       std::string_view body) {
  std::lock_guard lock(mutex_);
  ++stats_.countTokensRequestsTotal;
  ++stats_.countTokensRequests[std::string(model)];
  stats_.lastRequestPath = path;
  stats_.lastRequestHeaders = std::move(headers);
  stats_.lastRequestBody = body;
}

void StatsRecorder::faultInjected() {
  std::lock_guard lock(mutex_);
  ++stats_.faultsInjected;
}

void StatsRecorder::clientDisconnect() {
  std::lock_guard lock(mutex_);
  ++stats_.clientDisconnects;
}

void StatsRecorder::endlessBodyWritten(std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  stats_.endlessBodyBytes += bytes;
}

void StatsRecorder::reset() {
  std::lock_guard lock(mutex_);
  stats_ = Stats{};
}

Stats StatsRecorder::snapshot() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace switchyard::emulator
