#include "providers/vertex/gemini_stream_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <string>

#include "core/json_fields.hpp"
#include "providers/vertex/error_translator.hpp"
#include "providers/vertex/gemini_translator.hpp"
#include "providers/vertex/response_translator.hpp"

namespace switchyard::providers::vertex {

using core::objectField;
using core::stringField;

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

namespace {

Error bad(std::string message) {
  return Error::make(ErrorKind::UpstreamBadResponse,
                     "Vertex AI sent an unreadable stream event: " + std::move(message));
}

class GeminiStreamTranslator final : public SseStreamTranslator {
 public:
  GeminiStreamTranslator(GeminiFraming framing, const BackendTarget& target)
      : framing_(framing), model_(target.model) {}

  core::Result<void> onEvent(std::string_view data, std::string& out) override {
    if (auto read = readEvent(data); !read) return read.error();
    if (framing_ == GeminiFraming::Sse) {
      out.append("data: ");
      const std::size_t start = out.size();
      out.append(data);
      // Valid JSON has line breaks only between tokens, where a space means the same.
      for (std::size_t i = start; i < out.size(); ++i)
        if (out[i] == '\n' || out[i] == '\r') out[i] = ' ';
      out.append("\r\n\r\n");
    } else {
      out.append(events_ == 0 ? "[" : "\n,\r\n");
      out.append(data);
    }
    ++events_;
    return {};
  }

  const Usage& usage() const override { return usage_; }
  std::string_view responseModel() const override { return model_; }
  std::string_view contentType() const override {
    return framing_ == GeminiFraming::Sse ? "text/event-stream" : "application/json; charset=UTF-8";
  }
  // The array stays valid JSON: the error is its last element, as Google ends a failed array.
  bool closeWithError(std::string_view errorBody, std::string& out) const override {
    if (framing_ != GeminiFraming::JsonArray) return false;
    out.append(events_ == 0 ? "[" : "\n,\r\n").append(errorBody).append("\n]");
    return true;
  }

 protected:
  core::Result<void> onEnd(std::string& out) override {
    if (events_ == 0) return bad("the stream ended before any event");
    if (framing_ == GeminiFraming::JsonArray) out.append("\n]");
    return {};
  }

 private:
  // Checks one event and takes its usage and model; the event itself is relayed as it came.
  core::Result<void> readEvent(std::string_view data) {
    unsigned char initial[4096];
    json::monotonic_resource arena(initial, sizeof initial);
    boost::system::error_code ec;
    const json::value parsed = json::parse(data, ec, json::storage_ptr(&arena));
    if (ec) return bad("the data is not JSON (" + ec.message() + ")");
    if (const auto* error = findGoogleError(parsed))
      return vertex::translateError(httpStatusOfGoogleError(*error), data);
    if (!parsed.is_object()) return bad("the data is not a JSON object");
    const auto& root = parsed.get_object();
    if (const auto counts = usageCounts(objectField(&root, "usageMetadata")); counts.counted)
      usage_ = usageFromCounts(counts);
    if (const auto version = stringField(&root, "modelVersion"); !version.empty())
      model_.assign(version);
    return {};
  }

  GeminiFraming framing_;
  std::string model_;
  Usage usage_;
  std::size_t events_ = 0;
};

}  // namespace

std::optional<GeminiFraming> geminiFramingOf(std::string_view query) {
  const auto alt = queryParam(query, "alt");
  if (!alt || *alt == "json") return GeminiFraming::JsonArray;
  if (*alt == "sse") return GeminiFraming::Sse;
  return std::nullopt;
}

std::unique_ptr<SseStreamTranslator> makeGeminiStreamTranslator(GeminiFraming framing,
                                                                const BackendTarget& target) {
  return std::make_unique<GeminiStreamTranslator>(framing, target);
}

}  // namespace switchyard::providers::vertex
