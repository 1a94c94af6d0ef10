#pragma once
// The emulator's HTTP surface, one instance per server worker:
//   POST   /token                                   OAuth JWT-bearer grant
//   POST   /{v1,v1beta1}/projects/*/locations/*/publishers/google/models/*:generateContent
//   POST   ...:streamGenerateContent?alt=sse        SSE with CRLF, as Vertex sends it
//   POST   .../publishers/google/models/*:predict   text embeddings (README "predict")
//   POST   .../publishers/anthropic/models/*:rawPredict, :streamRawPredict   Claude (README
//   "Claude") POST   .../publishers/anthropic/models/count-tokens:rawPredict          Claude token
//   count GET    /emulator/stats    DELETE /emulator/stats (reset) POST   /emulator/faults   DELETE
//   /emulator/faults (clear, and release hung requests)

#include <atomic>
#include <cstdint>
#include <functional>

#include "core/clock.hpp"
#include "emulator/faults.hpp"
#include "emulator/prompt_cache.hpp"
#include "emulator/stats.hpp"
#include "emulator/token_service.hpp"
#include "http/server.hpp"

namespace switchyard::emulator {

// Process-wide services the worker handlers share; owned by Emulator.
struct EmulatorServices {
  const core::Clock& clock;
  TokenService& tokens;
  FaultTable& faults;
  StatsRecorder& stats;
  PromptCache& promptCache;
  std::function<std::uint64_t()> connectionsAccepted;
  bool tls = false;  // the scheme clients use, for the token URL they address
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> releaseGeneration{0};  // bumped to let hung requests go
};

class EmulatorHandler final : public http::Handler {
 public:
  explicit EmulatorHandler(EmulatorServices& services) : services_(services) {}

  boost::asio::awaitable<void> handle(http::Request& request, const http::RequestContext& context,
                                      http::ResponseWriter& writer) override;
  void renderProtocolError(unsigned status, std::string_view message, std::string& body,
                           std::string& contentType) override;

 private:
  boost::asio::awaitable<void> handleToken(http::Request& request, http::ResponseWriter& writer);
  boost::asio::awaitable<void> handleGenerate(http::Request& request, http::ResponseWriter& writer);
  boost::asio::awaitable<void> handlePredict(http::Request& request, http::ResponseWriter& writer);
  boost::asio::awaitable<void> handleClaude(http::Request& request, http::ResponseWriter& writer);
  boost::asio::awaitable<void> handleFaults(http::Request& request, http::ResponseWriter& writer);
  boost::asio::awaitable<void> handleStats(http::Request& request, http::ResponseWriter& writer);

  EmulatorServices& services_;
};

}  // namespace switchyard::emulator
