#include "providers/openai/stream_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

#include "core/json_fields.hpp"
#include "providers/openai/chat_translator.hpp"

namespace switchyard::providers::openai {

using core::integerField;
using core::objectField;
using core::stringField;

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

namespace {

Error bad(std::string message) {
  return Error::make(
      ErrorKind::UpstreamBadResponse,
      "the OpenAI-schema backend sent an unreadable stream event: " + std::move(message));
}

class PassthroughStreamTranslator final : public SseStreamTranslator {
 public:
  explicit PassthroughStreamTranslator(const BackendTarget& target) : model_(target.model) {}

  core::Result<void> onEvent(std::string_view data, std::string& out) override {
    if (failure_) return *failure_;
    if (sawDone_ || closed_) return fail(bad("an event after [DONE]"));
    if (data == "[DONE]") {
      sawDone_ = true;
      return {};
    }
    unsigned char initial[4096];
    json::monotonic_resource arena(initial, sizeof initial);
    boost::system::error_code ec;
    const json::value parsed = json::parse(data, ec, json::storage_ptr(&arena));
    if (ec) return fail(bad("the data is not JSON (" + ec.message() + ")"));
    if (!parsed.is_object()) return fail(bad("the data is not a JSON object"));
    const auto& root = parsed.get_object();
    if (const auto* error = objectField(&root, "error")) {
      const auto code = integerField(error, "code");
      const unsigned status = code >= 400 && code <= 599 ? static_cast<unsigned>(code) : 500;
      return fail(errorFromBody(status, data));
    }
    if (!sawModel_) {
      if (const auto model = stringField(&root, "model"); !model.empty()) {
        model_.assign(model);
        sawModel_ = true;
      }
    }
    if (const auto* usage = objectField(&root, "usage")) readUsage(*usage);

    out.append("data: ");
    const std::size_t start = out.size();
    out.append(data);
    // A multi-line `data:` field was joined with "\n"; in valid JSON a line break can only be
    // whitespace between tokens, so a space keeps the value and the frame on one line.
    for (std::size_t i = start; i < out.size(); ++i)
      if (out[i] == '\n' || out[i] == '\r') out[i] = ' ';
    out.append("\n\n");
    return {};
  }

  core::Result<void> onEnd(std::string& out) override {
    if (failure_) return *failure_;
    if (closed_) return {};
    if (!sawDone_)
      return fail(Error::make(ErrorKind::UpstreamBadResponse,
                              "upstream stream ended before finishing (no [DONE])"));
    out.append("data: [DONE]\n\n");
    closed_ = true;
    return {};
  }

  const Usage& usage() const override { return usage_; }
  std::string_view responseModel() const override { return model_; }

 private:
  core::Result<void> fail(Error error) {
    failure_ = std::move(error);
    return *failure_;
  }

  void readUsage(const json::object& usage) {
    usage_.promptTokens = integerField(&usage, "prompt_tokens");
    usage_.completionTokens = integerField(&usage, "completion_tokens");
    usage_.totalTokens = integerField(&usage, "total_tokens");
    usage_.cachedTokens =
        integerField(objectField(&usage, "prompt_tokens_details"), "cached_tokens");
    usage_.reasoningTokens =
        integerField(objectField(&usage, "completion_tokens_details"), "reasoning_tokens");
  }

  std::string model_;
  bool sawModel_ = false;
  bool sawDone_ = false;
  bool closed_ = false;
  std::optional<Error> failure_;
  Usage usage_;
};

}  // namespace

std::unique_ptr<SseStreamTranslator> makeStreamTranslator(const ApiRequest&,
                                                          const BackendTarget& target,
                                                          const ResponseContext&) {
  return std::make_unique<PassthroughStreamTranslator>(target);
}

}  // namespace switchyard::providers::openai
