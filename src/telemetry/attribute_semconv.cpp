#include "telemetry/attribute_semconv.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <vector>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "telemetry/genai_attributes.hpp"
#include "telemetry/openinference_attributes.hpp"

namespace switchyard::telemetry {

namespace json = boost::json;

namespace {

bool genAi(const AttributeSettings& settings) {
  return settings.convention == SemanticConvention::GenAi;
}

void addResponse(const AttributeSettings& settings, const json::object& completion,
                 std::string_view completionJson, AttributeList& out) {
  if (genAi(settings)) {
    genai::addResponseAttributes(settings.redaction, completion, out);
  } else {
    openinference::addResponseAttributes(settings.redaction, completion, completionJson, out);
  }
}

}  // namespace

// Mapped headers first (the first present header wins an attribute two headers map to), then
// user.id from the body unless a header gave it.
void addRequestIdentityAttributes(const AttributeSettings& settings, const ChatRequestView& request,
                                  AttributeList& out) {
  std::vector<std::string_view> added;
  std::string_view session;
  if (request.header) {
    for (const auto& mapping : settings.headerAttributes) {
      const auto value = request.header(mapping.header);
      if (value.empty() || std::find(added.begin(), added.end(), mapping.attribute) != added.end())
        continue;
      out.addIdentifier(mapping.attribute, value);
      added.push_back(mapping.attribute);
      if (mapping.attribute == "session.id") session = value;
    }
  }
  if (std::find(added.begin(), added.end(), "user.id") == added.end()) {
    auto user = core::stringField(&request.body, "safety_identifier");
    if (user.empty()) user = core::stringField(&request.body, "user");
    if (!user.empty()) out.addIdentifier("user.id", user);
  }
  if (genAi(settings) && !session.empty()) out.addIdentifier("gen_ai.conversation.id", session);
}

std::string chatSpanName(const AttributeSettings& settings, std::string_view requestModel) {
  return genAi(settings) ? genai::spanName(requestModel) : std::string(openinference::kSpanName);
}

void addChatRequestAttributes(const AttributeSettings& settings, const ChatRequestView& request,
                              AttributeList& out) {
  if (genAi(settings)) {
    genai::addRequestAttributes(settings.redaction, request, out);
  } else {
    openinference::addRequestAttributes(settings.redaction, request, out);
  }
  addRequestIdentityAttributes(settings, request, out);
}

void addChatBackendAttributes(const AttributeSettings& settings, const ProviderKind& provider,
                              std::string_view upstreamModel, AttributeList& out) {
  if (genAi(settings)) {
    genai::addBackendAttributes(provider, out);
  } else {
    openinference::addBackendAttributes(provider, upstreamModel, out);
  }
}

bool addChatResponseAttributes(const AttributeSettings& settings, std::string_view completionJson,
                               AttributeList& out) {
  boost::system::error_code ec;
  const auto parsed = json::parse(completionJson, ec);
  if (ec || !parsed.is_object()) return false;
  addResponse(settings, parsed.get_object(), completionJson, out);
  return true;
}

void addChatStreamAttributes(const AttributeSettings& settings, const StreamFold& fold,
                             AttributeList& out) {
  const json::value completion = fold.completion();
  // output.value exists only in OpenInference mode, and only when not hidden.
  std::string text;
  if (!genAi(settings) && !settings.redaction.hideOutputs &&
      !core::appendJsonValue(text, completion))
    text.clear();
  addResponse(settings, completion.get_object(), text, out);
}

void addChatErrorAttributes(const AttributeSettings& settings, const core::Error& error,
                            AttributeList& span, AttributeList& exceptionEvent) {
  exceptionEvent.addString("exception.type", core::kindName(error.kind));
  exceptionEvent.addString("exception.message", error.message);
  if (genAi(settings)) genai::addErrorAttributes(error, span);
}

}  // namespace switchyard::telemetry
