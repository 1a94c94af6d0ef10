#pragma once
// What the emulator has seen, for tests: counters and the last model request (generate or predict)
// exactly as it arrived. Served as JSON by GET /emulator/stats and returned by Emulator::stats().

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard::emulator {

struct Stats {
  std::uint64_t tokenRequests = 0;
  std::uint64_t tokensIssued = 0;
  std::uint64_t generateRequestsTotal = 0;                // unary + streaming, any outcome
  std::map<std::string, std::uint64_t> generateRequests;  // by model id
  std::uint64_t streamRequests = 0;
  std::uint64_t predictRequestsTotal = 0;                // :predict (embeddings), any outcome
  std::map<std::string, std::uint64_t> predictRequests;  // by model id
  std::uint64_t claudeRequestsTotal = 0;  // rawPredict + streamRawPredict, any outcome
  std::map<std::string, std::uint64_t> claudeRequests;  // by model id
  std::uint64_t countTokensRequestsTotal = 0;           // Gemini :countTokens + Claude count-tokens
  std::map<std::string, std::uint64_t> countTokensRequests;  // by URL model id
  std::uint64_t faultsInjected = 0;
  std::uint64_t connectionsAccepted = 0;  // TLS handshakes started (0 when plaintext)
  // A stream write the client was gone for, or a hung / endless-body fault whose client left.
  std::uint64_t clientDisconnects = 0;
  std::uint64_t endlessBodyBytes = 0;  // body bytes written by endless_body faults
  std::string lastRequestPath;
  std::vector<std::pair<std::string, std::string>> lastRequestHeaders;  // names lower-cased
  std::string lastRequestBody;
};

// {"token_requests", "tokens_issued", "generate_requests": {model: n}, "generate_requests_total",
//  "stream_requests", "predict_requests": {model: n}, "predict_requests_total",
//  "claude_requests": {model: n}, "claude_requests_total", "count_tokens_requests": {model: n},
//  "count_tokens_requests_total", "faults_injected",
//  "connections_accepted", "client_disconnects", "endless_body_bytes", "last_request_path",
//  "last_request_headers": {name: value}, "last_request_body"}.
std::string renderStats(const Stats& stats);

// Thread-safe recorder shared by the worker handlers.
class StatsRecorder {
 public:
  void tokenRequest();
  void tokenIssued();
  void generateRequest(std::string_view model, bool stream, std::string_view path,
                       std::vector<std::pair<std::string, std::string>> headers,
                       std::string_view body);
  void predictRequest(std::string_view model, std::string_view path,
                      std::vector<std::pair<std::string, std::string>> headers,
                      std::string_view body);
  // Claude rawPredict / streamRawPredict (stream counts in stream_requests too).
  void claudeRequest(std::string_view model, bool stream, std::string_view path,
                     std::vector<std::pair<std::string, std::string>> headers,
                     std::string_view body);
  // Gemini :countTokens and Claude count-tokens:rawPredict, by the URL's model id.
  void countTokensRequest(std::string_view model, std::string_view path,
                          std::vector<std::pair<std::string, std::string>> headers,
                          std::string_view body);
  void faultInjected();
  void clientDisconnect();
  void endlessBodyWritten(std::uint64_t bytes);
  void reset();
  Stats snapshot() const;

 private:
  mutable std::mutex mutex_;
  Stats stats_;
};

}  // namespace switchyard::emulator
