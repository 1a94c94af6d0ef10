#pragma once
// The chat span's name and attributes in the convention the settings chose (OpenInference by
// default, OpenTelemetry GenAI with AI_GATEWAY_TRACING_SEMCONV=gen_ai), plus what both share: the
// request-header mapping (session.id from agent-session-id by default), user.id, and the exception
// event. Pure functions of their inputs; called only when tracing is on.

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "telemetry/attribute_inputs.hpp"
#include "telemetry/attribute_list.hpp"
#include "telemetry/attribute_settings.hpp"
#include "telemetry/stream_fold.hpp"

namespace switchyard::telemetry {

// OpenInference: "ChatCompletion"; GenAI: "chat {model}".
std::string chatSpanName(const AttributeSettings& settings, std::string_view requestModel);

// What the request says, plus the mapped request headers and user.id (an operator's header
// mapping to user.id wins over the body's safety_identifier, then user). In GenAI mode session.id
// is also gen_ai.conversation.id.
void addChatRequestAttributes(const AttributeSettings& settings, const ChatRequestView& request,
                              AttributeList& out);

// The mapped request headers and user.id alone, as addChatRequestAttributes adds them: for the
// spans of other endpoints (embeddings).
void addRequestIdentityAttributes(const AttributeSettings& settings, const ChatRequestView& request,
                                  AttributeList& out);

// The backend that answered (or, on failure, the last one tried) and the model asked of it.
void addChatBackendAttributes(const AttributeSettings& settings, const ProviderKind& provider,
                              std::string_view upstreamModel, AttributeList& out);

// The non-streamed answer: `completionJson` is the chat.completion body sent to the client. False
// (nothing added) when it is not a JSON object.
bool addChatResponseAttributes(const AttributeSettings& settings, std::string_view completionJson,
                               AttributeList& out);

// The streamed answer, folded back into one chat.completion (output.value is its serialization).
void addChatStreamAttributes(const AttributeSettings& settings, const StreamFold& fold,
                             AttributeList& out);

// A failed request: `exceptionEvent` gets the attributes of the span's `exception` event
// (exception.type = the error kind's name, exception.message); `span` gets error.type in GenAI
// mode. The caller sets the span status to ERROR.
void addChatErrorAttributes(const AttributeSettings& settings, const core::Error& error,
                            AttributeList& span, AttributeList& exceptionEvent);

}  // namespace switchyard::telemetry
