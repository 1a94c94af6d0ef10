#include "providers/vertex/embeddings_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

#include "core/base64.hpp"
#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "providers/vertex/error_translator.hpp"
#include "providers/vertex/model_path.hpp"
#include "providers/vertex/wire.hpp"

namespace switchyard::providers::vertex {

using core::arrayField;
using core::integerField;
using core::JsonWriter;
using core::objectField;
using core::sv;
using core::toInt64;

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

namespace {

// OpenAI's own cap on the items of one embeddings request. It also bounds the fan-out: at one
// instance per call (gemini-embedding-001) a request is at most this many upstream calls.
constexpr std::size_t kMaxInputs = 2048;

Error invalid(std::string message, std::string param) {
  return Error::make(ErrorKind::InvalidRequest, std::move(message), std::move(param));
}

Error badResponse(std::string message) {
  return Error::make(ErrorKind::UpstreamBadResponse, std::move(message));
}

// A member of the request, null counting as absent.
const json::value* member(const json::object& body, std::string_view key) {
  const auto* value = body.if_contains(key);
  return value && !value->is_null() ? value : nullptr;
}

// The fields of an OpenAI embeddings request this translator uses, checked. Unknown fields are
// ignored, as Envoy AI Gateway does: OpenAI and its SDKs add request fields over time, a gateway
// that refused them would break clients on their next upgrade, and none of them could be carried
// by a `:predict` call anyway. `user` is among them: it never changes the answer.
struct EmbeddingsRequest {
  const json::string* single = nullptr;  // `input` as one string
  const json::array* many = nullptr;     // `input` as an array of strings
  std::string_view taskType;             // empty: not given
  std::optional<bool> autoTruncate;
  std::optional<std::int64_t> dimensions;
  bool base64 = false;

  std::size_t count() const { return single ? 1 : many->size(); }
  std::string_view text(std::size_t i) const {
    return sv(single ? *single : (*many)[i].get_string());
  }
};

core::Result<EmbeddingsRequest> readRequest(const json::object& body) {
  EmbeddingsRequest request;
  const auto* input = member(body, "input");
  if (!input) return invalid("input is required: a string or an array of strings", "input");
  if (input->is_string()) {
    if (input->get_string().empty()) return invalid("input must not be an empty string", "input");
    request.single = &input->get_string();
  } else if (input->is_array()) {
    const auto& items = input->get_array();
    if (items.empty()) return invalid("input must not be an empty array", "input");
    if (items.front().is_int64() || items.front().is_uint64() || items.front().is_array())
      return invalid(
          "input as token ids is not supported by this backend: token arrays are not supported, "
          "send the text instead",
          "input");
    if (items.size() > kMaxInputs)
      return invalid("input must have at most " + std::to_string(kMaxInputs) + " items", "input");
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string() || items[i].get_string().empty()) {
        std::string param = "input[" + std::to_string(i) + "]";
        std::string message = param + " must be a non-empty string";
        return invalid(std::move(message), std::move(param));
      }
    }
    request.many = &items;
  } else {
    return invalid("input must be a string or an array of strings", "input");
  }

  if (const auto* format = member(body, "encoding_format")) {
    const std::string_view text = format->is_string() ? sv(format->get_string()) : "";
    if (text == "base64")
      request.base64 = true;
    else if (text != "float")
      return invalid("encoding_format must be \"float\" or \"base64\"", "encoding_format");
  }
  if (const auto* dimensions = member(body, "dimensions")) {
    // A JSON integer in Vertex's int32 range; a double (even `256.0`) is refused.
    const auto number = dimensions->is_double() ? std::nullopt : toInt64(*dimensions);
    if (!number || *number < 1 || *number > std::numeric_limits<std::int32_t>::max())
      return invalid("dimensions must be an integer between 1 and 2147483647", "dimensions");
    request.dimensions = *number;
  }
  if (const auto* taskType = member(body, "task_type")) {
    if (!taskType->is_string() || taskType->get_string().empty())
      return invalid(
          "task_type must be a non-empty string (a Vertex AI task type such as "
          "RETRIEVAL_QUERY)",
          "task_type");
    request.taskType = sv(taskType->get_string());
  }
  if (const auto* autoTruncate = member(body, "auto_truncate")) {
    if (!autoTruncate->is_bool())
      return invalid("auto_truncate must be a boolean", "auto_truncate");
    request.autoTruncate = autoTruncate->get_bool();
  }
  return request;
}

// The `:predict` body for inputs [first, first + count).
std::string predictBody(const EmbeddingsRequest& request, std::size_t first, std::size_t count) {
  std::string body;
  body.reserve(64 + count * (24 + request.taskType.size()));
  JsonWriter w(body);
  w.beginObject();
  w.key("instances");
  w.beginArray();
  for (std::size_t i = first; i < first + count; ++i) {
    w.beginObject();
    w.field("content", request.text(i));
    if (!request.taskType.empty()) w.field("task_type", request.taskType);
    w.endObject();
  }
  w.endArray();
  if (request.dimensions || request.autoTruncate) {
    w.key("parameters");
    w.beginObject();
    if (request.dimensions) w.fieldInt("outputDimensionality", *request.dimensions);
    if (request.autoTruncate) {
      w.key("autoTruncate");
      w.boolean(*request.autoTruncate);
    }
    w.endObject();
  }
  w.endObject();
  return body;
}

// A JSON number as float32, or nullopt when it is not a number or lies outside float32's finite
// range (converting such a double to float would be undefined behaviour).
std::optional<float> asFloat(const json::value& value) {
  double number;
  if (value.is_double())
    number = value.get_double();
  else if (value.is_int64())
    number = static_cast<double>(value.get_int64());
  else if (value.is_uint64())
    number = static_cast<double>(value.get_uint64());
  else
    return std::nullopt;
  if (!(std::fabs(number) <= std::numeric_limits<float>::max())) return std::nullopt;
  return static_cast<float>(number);
}

// Shortest round-trip float32 form; a whole number keeps a fraction (`1.0`), as the JSON writer
// does for doubles, so that it reads back as a float.
void appendFloat(std::string& out, float number) {
  std::array<char, 32> digits;
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), number).ptr;
  const std::string_view text(digits.data(), static_cast<std::size_t>(end - digits.data()));
  out.append(text);
  if (text.find_first_of(".e") == std::string_view::npos) out.append(".0");
}

void appendLittleEndian(std::string& bytes, float number) {
  std::uint32_t bits;
  std::memcpy(&bits, &number, sizeof bits);
  for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<char>(bits >> shift));
}

std::int64_t saturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t sum;
  return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<std::int64_t>::max() : sum;
}

// One call's predictions, appended to the `data` array being written (indexes from `first`).
// `expected` is the number of instances the call carried.
std::optional<Error> appendPredictions(std::string_view upstreamBody, std::size_t first,
                                       std::size_t expected, bool base64, JsonWriter& w,
                                       std::string& out, std::string& bytes, std::int64_t& tokens) {
  unsigned char initial[4096];
  json::monotonic_resource arena(initial, sizeof initial);
  boost::system::error_code ec;
  const json::value parsed = json::parse(upstreamBody, ec, json::storage_ptr(&arena));
  if (ec || !parsed.is_object())
    return badResponse("the Vertex AI embeddings answer is not a JSON object");
  const auto* predictions = arrayField(&parsed.get_object(), "predictions");
  if (!predictions) return badResponse("the Vertex AI embeddings answer has no predictions");
  if (predictions->size() != expected)
    return badResponse("the Vertex AI embeddings answer has " +
                       std::to_string(predictions->size()) + " predictions for " +
                       std::to_string(expected) + " inputs");
  for (std::size_t i = 0; i < predictions->size(); ++i) {
    const auto& prediction = (*predictions)[i];
    const auto* embeddings =
        prediction.is_object() ? objectField(&prediction.get_object(), "embeddings") : nullptr;
    const auto* values = arrayField(embeddings, "values");
    if (!values || values->empty())
      return badResponse("Vertex AI prediction " + std::to_string(first + i) +
                         " has no embeddings.values");
    const auto* statistics = objectField(embeddings, "statistics");
    // The predict answer spells it token_count (observed); the REST reference, tokenCount.
    std::int64_t count = integerField(statistics, "token_count");
    if (count == 0) count = integerField(statistics, "tokenCount");
    if (count > 0) tokens = saturatingAdd(tokens, count);

    w.beginObject();
    w.field("object", "embedding");
    w.fieldInt("index", static_cast<std::int64_t>(first + i));
    w.key("embedding");
    if (base64)
      bytes.clear();
    else
      w.beginArray();
    for (std::size_t j = 0; j < values->size(); ++j) {
      const auto number = asFloat((*values)[j]);
      if (!number)
        return badResponse("Vertex AI prediction " + std::to_string(first + i) + " value " +
                           std::to_string(j) + " is not a float32 number");
      if (base64) {
        appendLittleEndian(bytes, *number);
      } else {
        if (j > 0) out.push_back(',');
        appendFloat(out, *number);
      }
    }
    if (base64)
      w.string(core::base64::encode(bytes, core::base64::Alphabet::kStandard,
                                    core::base64::Padding::kPadded));
    else
      w.endArray();
    w.endObject();
  }
  return std::nullopt;
}

constexpr std::size_t callCount(std::size_t inputs, std::size_t limit) {
  return (inputs + limit - 1) / limit;
}

}  // namespace

std::size_t instanceLimit(std::string_view model) {
  struct Limit {
    std::string_view model;
    std::size_t instances;
  };
  // Vertex AI "Get text embeddings", API limits: gemini-embedding-001 supports a single instance
  // per request; every request is limited to 250 input texts.
  static constexpr std::array<Limit, 4> kLimits{{
      {"gemini-embedding-001", 1},
      {"text-embedding-004", 250},
      {"text-embedding-005", 250},
      {"text-multilingual-embedding-002", 250},
  }};
  for (const auto& limit : kLimits)
    if (limit.model == model) return limit.instances;
  return 250;
}

core::Result<UpstreamCalls> EmbeddingsTranslator::buildRequest(const ApiRequest& request,
                                                               const BackendTarget& target) const {
  if (!request.body) return Error::make(ErrorKind::Internal, "no request body to translate");
  auto path = modelPath(target, "predict");
  if (!path) return path.error();
  auto parsed = readRequest(*request.body);
  if (!parsed) return parsed.error();
  const std::size_t inputs = parsed->count();
  const std::size_t limit = instanceLimit(target.model);
  UpstreamCalls calls(callCount(inputs, limit));
  for (std::size_t call = 0; call < calls.size(); ++call) {
    core::OutboundRequest& outbound = calls[call];
    outbound.method = "POST";
    outbound.target = *path;
    outbound.headers.reserve(core::kTypicalOutboundHeaders);
    outbound.headers.push_back({"Content-Type", "application/json"});
    const std::size_t first = call * limit;
    outbound.body = predictBody(*parsed, first, std::min(limit, inputs - first));
  }
  return calls;
}

core::Result<TranslatedResponse> EmbeddingsTranslator::translateResponse(
    std::span<const std::string_view> upstreamBodies, const ApiRequest& request,
    const BackendTarget& target, const ResponseContext&) const {
  if (!request.body) return Error::make(ErrorKind::Internal, "no request body to translate");
  auto parsed = readRequest(*request.body);
  if (!parsed) return parsed.error();
  const std::size_t inputs = parsed->count();
  const std::size_t limit = instanceLimit(target.model);
  if (upstreamBodies.size() != callCount(inputs, limit))
    return Error::make(ErrorKind::Internal,
                       std::to_string(upstreamBodies.size()) + " embeddings answers for " +
                           std::to_string(callCount(inputs, limit)) + " calls");
  TranslatedResponse response;
  response.responseModel = std::string(target.model.empty() ? request.model : target.model);
  std::string& out = response.body;
  out.reserve(64 + upstreamBodies.front().size());
  std::string bytes;
  std::int64_t tokens = 0;
  JsonWriter w(out);
  w.beginObject();
  w.field("object", "list");
  w.key("data");
  w.beginArray();
  for (std::size_t call = 0; call < upstreamBodies.size(); ++call) {
    const std::size_t first = call * limit;
    if (auto error = appendPredictions(upstreamBodies[call], first, std::min(limit, inputs - first),
                                       parsed->base64, w, out, bytes, tokens))
      return std::move(*error);
  }
  w.endArray();
  w.field("model", response.responseModel);
  w.key("usage");
  w.beginObject();
  w.fieldInt("prompt_tokens", tokens);
  w.fieldInt("total_tokens", tokens);
  w.endObject();
  w.endObject();
  response.usage.promptTokens = tokens;
  response.usage.totalTokens = tokens;
  return response;
}

std::unique_ptr<StreamTranslator> EmbeddingsTranslator::newStreamTranslator(
    const ApiRequest&, const BackendTarget&, const ResponseContext&) const {
  return nullptr;  // `:predict` answers whole; OpenAI embeddings do not stream either
}

Error EmbeddingsTranslator::translateError(unsigned status,
                                           const std::vector<core::Header>& headers,
                                           std::string_view upstreamBody) const {
  Error error = vertex::translateError(status, upstreamBody);
  if (error.retryAfterSeconds < 0) error.retryAfterSeconds = retryAfterSeconds(headers);
  return error;
}

}  // namespace switchyard::providers::vertex
