// libFuzzer target: Vertex's `:streamGenerateContent?alt=sse` relayed to a Gemini API client on
// any upstream bytes. Byte 0: bit 0 picks the client's framing (0: JSON array, 1: SSE); byte 1
// chooses a cut; the rest is the upstream body, fed in two pieces. The contract:
// - SSE: each call appends whole frames `data: <JSON object>\r\n\r\n`, the payload on one line and
//   the upstream's event data with its line breaks made spaces;
// - JSON array: what a client gets is a JSON array of objects, whether the stream finished or
//   failed after its first bytes went out (sent as the relay sends them: a failing call's output
//   dropped, then closeWithError(), the error the array's last element);
// - a call that fails may have appended the whole frames of the events before the failing one,
//   and every later call fails, appending nothing; errors are the upstream's side;
// - the outcome does not depend on where the body is cut, and the output is at most twice the
//   body plus the array's brackets.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "passthrough_checks.hpp"
#include "providers/vertex/gemini_stream_translator.hpp"

namespace json = boost::json;
using namespace switchyard;
using fuzz::failPassthrough;
using providers::vertex::GeminiFraming;

namespace {

json::value parseOrFail(std::string_view text, json::monotonic_resource& arena,
                        std::string_view what) {
  boost::system::error_code ec;
  auto parsed = json::parse(text, ec, &arena);
  if (ec) failPassthrough(what, text);
  return parsed;
}

void checkSseFrames(std::string_view added) {
  while (!added.empty()) {
    if (!added.starts_with("data: ")) failPassthrough("a frame not starting with `data: `", added);
    const auto end = added.find("\r\n\r\n");
    if (end == std::string_view::npos) failPassthrough("a frame not ended by CRLF CRLF", added);
    const auto payload = added.substr(6, end - 6);
    if (payload.find_first_of("\r\n") != std::string_view::npos)
      failPassthrough("a line break inside a frame", payload);
    json::monotonic_resource arena;
    if (!parseOrFail(payload, arena, "a frame payload that is not JSON").is_object())
      failPassthrough("a frame payload that is not an object", payload);
    added.remove_prefix(end + 4);
  }
}

struct Outcome {
  std::string out;    // everything the translator appended
  std::string error;  // the first error's kind, code and status
  std::string sent;   // what a client got: as the relay sends it (stream_relay.cpp), a failing
                      // call's output dropped and, once something went out, closeWithError()
};

Outcome run(GeminiFraming framing, std::string_view body, std::size_t cut) {
  const providers::BackendTarget target{"gemini-2.5-flash", "p", "us-central1", {}, {}};
  const auto translator = providers::vertex::makeGeminiStreamTranslator(framing, target);
  Outcome outcome;
  bool failed = false;
  const auto settle = [&](const core::Result<void>& result, std::size_t mark) {
    const std::string_view added(outcome.out.data() + mark, outcome.out.size() - mark);
    if (failed && !added.empty()) failPassthrough("a call after an error produced output", added);
    if (result) {
      outcome.sent.append(added);
    } else if (!failed && !outcome.sent.empty() &&
               !translator->closeWithError(core::renderOpenAiError(result.error()), outcome.sent) &&
               framing == GeminiFraming::JsonArray) {
      failPassthrough("a JSON array stream that cannot be closed with its error");
    }
    if (!result) {
      const auto& error = result.error();
      if (error.kind != core::ErrorKind::UpstreamBadResponse &&
          error.kind != core::ErrorKind::UpstreamStatus)
        failPassthrough("a stream error that is not the upstream's", error.message);
      if (!failed)
        outcome.error = std::string(core::kindName(error.kind)) + " " + error.code + " " +
                        std::to_string(error.upstreamStatus);
      failed = true;
    }
    if (framing == GeminiFraming::Sse) checkSseFrames(added);
  };
  for (const auto piece : {body.substr(0, cut), body.substr(cut)}) {
    const std::size_t mark = outcome.out.size();
    settle(translator->onBytes(piece, outcome.out), mark);
  }
  const std::size_t mark = outcome.out.size();
  settle(translator->finish(outcome.out), mark);
  if (outcome.out.size() > 2 * body.size() + 2)
    failPassthrough("the output outgrew the upstream body", outcome.out);

  if (framing == GeminiFraming::JsonArray && !outcome.sent.empty()) {
    json::monotonic_resource arena;
    const auto parsed = parseOrFail(outcome.sent, arena, "the array the client got is not JSON");
    if (!parsed.is_array() || parsed.get_array().empty())
      failPassthrough("the client got something else than a non-empty array", outcome.sent);
    for (const auto& item : parsed.get_array())
      if (!item.is_object())
        failPassthrough("an array element that is not an object", outcome.sent);
  } else if (framing == GeminiFraming::Sse) {
    if (std::string ignored; translator->closeWithError("{}", ignored) || !ignored.empty())
      failPassthrough("an SSE stream closed by the translator rather than the error event");
  }
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto framing = (data[0] & 1) != 0 ? GeminiFraming::Sse : GeminiFraming::JsonArray;
  const std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::size_t cut = data[1] % (body.size() + 1);
  const Outcome whole = run(framing, body, body.size());
  const Outcome split = run(framing, body, cut);
  if (whole.out != split.out || whole.error != split.error)
    failPassthrough("the outcome depends on the cut", whole.out + "\n---\n" + split.out);
  return 0;
}
