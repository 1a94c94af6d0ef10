// What a Messages client sees when Claude's stream fails: the provider's stream translator turns
// the failure into an Error, and the endpoint's renderer (api::renderAnthropicStreamError, as the
// gateway's StreamRelay uses it) ends the stream with Anthropic's `error` event. An upstream error
// event is not forwarded by the translator but comes out of the renderer as the same bytes.

#include <gtest/gtest.h>

#include <string>

#include "api/error_envelopes.hpp"
#include "core/error.hpp"
#include "providers/anthropic/messages_stream_translator.hpp"

namespace switchyard::api {
namespace {

const std::string kStart =
    "event: message_start\ndata: "
    R"({"type":"message_start","message":{"model":"claude","usage":{"input_tokens":3}}})"
    "\n\n";

// The client's bytes for an upstream body, as the relay writes them once the stream has begun.
std::string clientSees(std::string_view upstream) {
  providers::BackendTarget target;
  target.model = "claude-3-5-haiku@20241022";
  const auto translator = providers::anthropic::makeMessagesStreamTranslator(target);
  std::string out;
  auto result = translator->onBytes(upstream, out);
  if (result) result = translator->finish(out);
  if (!result) out += renderAnthropicStreamError(result.error());
  return out;
}

TEST(AnthropicStreamError, AnUpstreamErrorEventReachesTheClientUnchanged) {
  const std::string error =
      "event: error\ndata: "
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"
      "\n\n";
  EXPECT_EQ(clientSees(kStart + error), kStart + error);
}

TEST(AnthropicStreamError, ACutStreamEndsWithAnApiError) {
  EXPECT_EQ(clientSees(kStart),
            kStart +
                "event: error\ndata: "
                R"({"type":"error","error":{"type":"api_error","message":"Claude on Vertex ended )"
                R"(the stream before message_stop"}})"
                "\n\n");
}

TEST(AnthropicStreamError, AnErrorEventBeforeAnyByteMayFallBack) {
  providers::BackendTarget target;
  const auto translator = providers::anthropic::makeMessagesStreamTranslator(target);
  std::string out;
  const auto result = translator->onBytes(
      "event: error\ndata: "
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"
      "\n\n",
      out);
  ASSERT_FALSE(result);
  EXPECT_EQ(out, "");
  EXPECT_TRUE(core::mayRetry(result.error()));
  EXPECT_EQ(core::httpStatusOf(result.error()), 529u);
  EXPECT_EQ(renderAnthropicError(result.error()),
            R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
}

}  // namespace
}  // namespace switchyard::api
