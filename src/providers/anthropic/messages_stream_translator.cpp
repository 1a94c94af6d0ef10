#include "providers/anthropic/messages_stream_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

#include "core/json_fields.hpp"
#include "providers/anthropic/error_translator.hpp"
#include "providers/anthropic/messages_usage.hpp"

namespace switchyard::providers::anthropic {

using core::objectField;
using core::stringField;

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

namespace {

Error bad(std::string message) {
  return Error::make(ErrorKind::UpstreamBadResponse,
                     "Claude on Vertex sent an unreadable stream event: " + std::move(message));
}

class MessagesStreamTranslator final : public SseStreamTranslator {
 public:
  explicit MessagesStreamTranslator(const BackendTarget& target) : model_(target.model) {}

  core::Result<void> onEvent(std::string_view data, std::string& out) override {
    if (failure_) return *failure_;
    unsigned char initial[4096];
    json::monotonic_resource arena(initial, sizeof initial);
    boost::system::error_code ec;
    const json::value parsed = json::parse(data, ec, json::storage_ptr(&arena));
    if (ec) return fail(bad("the data is not JSON (" + ec.message() + ")"));
    if (!parsed.is_object()) return fail(bad("the data is not a JSON object"));
    const auto& root = parsed.get_object();
    const std::string_view type = stringField(&root, "type");
    const std::string_view name = eventName().empty() ? type : eventName();
    if (name.empty()) return fail(bad("an event with neither a name nor a type"));

    if (name == "error" || type == "error") return fail(streamError(data));
    if (name == "message_start") {
      const auto* message = objectField(&root, "message");
      if (const auto model = stringField(message, "model"); !model.empty()) model_.assign(model);
      if (const auto* usage = objectField(message, "usage")) readUsage(*usage);
    } else if (name == "message_delta") {
      if (const auto* usage = objectField(&root, "usage")) readUsage(*usage);
    } else if (name == "message_stop") {
      stopped_ = true;
    }

    out.append("event: ").append(name).append("\ndata: ");
    const std::size_t start = out.size();
    out.append(data);
    // A multi-line `data:` field was joined with "\n"; in valid JSON a line break can only be
    // whitespace between tokens, so a space keeps the value and the frame on one line.
    for (std::size_t i = start; i < out.size(); ++i)
      if (out[i] == '\n' || out[i] == '\r') out[i] = ' ';
    out.append("\n\n");
    return {};
  }

  core::Result<void> onEnd(std::string&) override {
    if (failure_) return *failure_;
    if (!stopped_)
      return fail(Error::make(ErrorKind::UpstreamBadResponse,
                              "Claude on Vertex ended the stream before message_stop"));
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
    counts_.read(usage);
    usage_ = counts_.toUsage();
  }

  std::string model_;
  bool stopped_ = false;
  std::optional<Error> failure_;
  MessagesUsage counts_;
  Usage usage_;
};

}  // namespace

std::unique_ptr<SseStreamTranslator> makeMessagesStreamTranslator(const BackendTarget& target) {
  return std::make_unique<MessagesStreamTranslator>(target);
}

}  // namespace switchyard::providers::anthropic
