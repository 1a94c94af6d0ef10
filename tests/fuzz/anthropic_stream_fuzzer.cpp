// libFuzzer target: Claude's stream relayed to a Messages client (GCPAnthropic) on any upstream
// bytes. Byte 0 chooses a cut; the rest is the upstream body, fed in two pieces. The contract:
// - each call appends whole frames `event: <name>\ndata: <JSON object>\n\n`, name and data on one
//   line each, the data byte for byte the upstream's (line breaks become spaces);
// - a call that fails may have appended the whole frames of the events before the failing one (the
//   relay drops what the failing piece produced), and every later call fails, appending nothing;
//   errors are the upstream's side;
// - finish() succeeds only when a message_stop went out;
// - the outcome does not depend on where the body is cut.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "providers/anthropic/messages_stream_translator.hpp"

using namespace switchyard;

namespace {

[[noreturn]] void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "contract broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size() < 2000 ? detail.size() : 2000), detail.data());
  std::abort();
}

void checkFrames(std::string_view added, bool& sawStop) {
  while (!added.empty()) {
    if (!added.starts_with("event: ")) fail("a frame not starting with `event: `", added);
    const auto nameEnd = added.find('\n');
    if (nameEnd == std::string_view::npos) fail("a frame without a data line", added);
    const auto name = added.substr(7, nameEnd - 7);
    if (name.empty() || name.find('\r') != std::string_view::npos) fail("a bad event name", name);
    added.remove_prefix(nameEnd + 1);
    if (!added.starts_with("data: ")) fail("a name line not followed by `data: `", added);
    const auto end = added.find('\n');
    if (end == std::string_view::npos || added.substr(end, 2) != "\n\n")
      fail("a frame not ended by exactly one blank line", added);
    const auto payload = added.substr(6, end - 6);
    if (payload.find('\r') != std::string_view::npos) fail("a CR inside a frame", payload);
    boost::json::monotonic_resource arena;
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(payload, ec, &arena);
    if (ec || !parsed.is_object()) fail("a frame payload that is not a JSON object", payload);
    if (name == "message_stop") sawStop = true;
    added.remove_prefix(end + 2);
  }
}

struct Outcome {
  std::string out;
  std::string error;
};

Outcome run(std::string_view body, std::size_t cut) {
  providers::BackendTarget target;
  target.model = "claude-fuzz";
  const auto translator = providers::anthropic::makeMessagesStreamTranslator(target);
  Outcome outcome;
  bool failed = false;
  bool sawStop = false;
  const auto settle = [&](const core::Result<void>& result, std::size_t mark) {
    const std::string_view added(outcome.out.data() + mark, outcome.out.size() - mark);
    if (!result) {
      if (failed && !added.empty()) fail("a call after an error produced output", added);
      checkFrames(added, sawStop);
      const auto& error = result.error();
      if (error.kind != core::ErrorKind::UpstreamBadResponse &&
          error.kind != core::ErrorKind::UpstreamStatus)
        fail("a stream error that is not the upstream's", error.message);
      if (!failed)
        outcome.error = std::string(core::kindName(error.kind)) + " " + error.code + " " +
                        std::to_string(error.upstreamStatus);
      failed = true;
      return;
    }
    if (failed) fail("a call succeeded after an error", added);
    checkFrames(added, sawStop);
  };
  for (const auto piece : {body.substr(0, cut), body.substr(cut)}) {
    const std::size_t mark = outcome.out.size();
    settle(translator->onBytes(piece, outcome.out), mark);
  }
  const std::size_t mark = outcome.out.size();
  const auto finished = translator->finish(outcome.out);
  settle(finished, mark);
  if (finished && !sawStop) fail("finish() succeeded without message_stop", outcome.out);
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t cut = body.empty() ? 0 : data[0] % (body.size() + 1);
  const Outcome whole = run(body, body.size());
  const Outcome split = run(body, cut);
  if (whole.out != split.out || whole.error != split.error)
    fail("the outcome depends on the cut", whole.out + "\n---\n" + split.out);
  return 0;
}
