// libFuzzer target: the Vertex embeddings translator, request and answers. Input layout: byte 0's
// low two bits pick the backend model (text-embedding-005, gemini-embedding-001 with one instance
// per call, text-multilingual-embedding-002, an unknown model), byte 1 is a separator, the rest is
// split on it: the client's request JSON, then upstream bodies, handed to the calls in turn
// (cycled when there are fewer than calls).
// Contract checked:
// - a refusal is the client's InvalidRequest naming a param (the target is fixed and valid);
// - the calls go to the model's :predict path, carry 1..limit instances each, and together every
//   input once, in order;
// - an answer is refused only as UpstreamBadResponse; a translated answer is a JSON list with one
//   item per input, index i at position i, usage as reported; float vectors hold float32 numbers,
//   base64 vectors 4 bytes per number, and both encodings of the same bodies agree bit for bit.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "providers/registry.hpp"
#include "providers/vertex/embeddings_translator.hpp"

namespace json = boost::json;
using namespace switchyard::providers;
using switchyard::core::ErrorKind;

namespace {

// A broken contract: say which one, then abort so libFuzzer records the input.
[[noreturn]] void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "contract broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

constexpr std::array<std::string_view, 4> kModels{"text-embedding-005", "gemini-embedding-001",
                                                  "text-multilingual-embedding-002", "my-embedder"};

std::uint32_t bitsOf(float number) {
  std::uint32_t bits;
  std::memcpy(&bits, &number, sizeof bits);
  return bits;
}

// The float32 bit patterns of every vector of a translated answer, checking its shape.
std::vector<std::vector<std::uint32_t>> vectorsOf(std::string_view body, std::size_t inputs,
                                                  bool base64, std::int64_t tokens) {
  json::monotonic_resource arena;
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec, &arena);
  if (ec || !parsed.is_object()) fail("answer is not a JSON object", body);
  const auto& root = parsed.get_object();
  const auto* object = root.if_contains("object");
  if (!object || !object->is_string() || object->get_string() != "list")
    fail("answer is not a list", body);
  const auto* usage = root.if_contains("usage");
  if (!usage || !usage->is_object()) fail("answer has no usage", body);
  for (const std::string_view key : {"prompt_tokens", "total_tokens"}) {
    const auto* count = usage->get_object().if_contains(key);
    if (!count || !count->is_int64() || count->get_int64() != tokens)
      fail("usage differs from the translated usage", body);
  }
  const auto* data = root.if_contains("data");
  if (!data || !data->is_array() || data->get_array().size() != inputs)
    fail("data is not one item per input", body);
  std::vector<std::vector<std::uint32_t>> vectors;
  for (std::size_t i = 0; i < inputs; ++i) {
    const auto& item = data->get_array()[i];
    const auto* index = item.is_object() ? item.get_object().if_contains("index") : nullptr;
    if (!index || !index->is_int64() || index->get_int64() != static_cast<std::int64_t>(i))
      fail("item out of order", body);
    const auto* embedding = item.get_object().if_contains("embedding");
    std::vector<std::uint32_t>& bits = vectors.emplace_back();
    if (base64) {
      if (!embedding || !embedding->is_string()) fail("base64 embedding is not a string", body);
      const auto bytes = switchyard::core::base64::decode(embedding->get_string(), {});
      if (!bytes || bytes->empty() || bytes->size() % 4 != 0)
        fail("base64 embedding is not whole float32s", body);
      for (std::size_t at = 0; at < bytes->size(); at += 4) {
        std::uint32_t word = 0;
        for (int b = 3; b >= 0; --b)
          word =
              (word << 8) | static_cast<unsigned char>((*bytes)[at + static_cast<std::size_t>(b)]);
        bits.push_back(word);
      }
    } else {
      if (!embedding || !embedding->is_array() || embedding->get_array().empty())
        fail("float embedding is not a non-empty array", body);
      for (const auto& number : embedding->get_array()) {
        if (!number.is_double()) fail("float embedding holds a non-double", body);
        // The shortest float32 form read back as a client does (as a double, then float32).
        // ±3.4028235e38 (FLT_MAX's shortest form) lies just beyond FLT_MAX as a double.
        constexpr double kMax = std::numeric_limits<float>::max();
        const double wide = number.get_double();
        if (!(std::fabs(wide) <= 3.4028235e38)) fail("float embedding value outside float32", body);
        bits.push_back(bitsOf(static_cast<float>(std::clamp(wide, -kMax, kMax))));
      }
    }
  }
  return vectors;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Translator& translator =
      *findProvider("GCPVertexAI")->translator(Endpoint::Embeddings);
  if (size < 2) return 0;
  const std::string_view model = kModels[data[0] & 3];
  const char separator = static_cast<char>(data[1]);
  std::vector<std::string_view> parts;
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  while (!rest.empty()) {
    const auto end = rest.find(separator);
    parts.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  if (parts.empty()) return 0;

  boost::system::error_code ec;
  json::value parsed = json::parse(parts.front(), ec);
  if (ec || !parsed.is_object()) return 0;  // the gateway rejects these before any provider
  json::object& body = parsed.get_object();

  ApiRequest request;
  request.endpoint = Endpoint::Embeddings;
  request.body = &body;
  request.model = "client-model";
  const BackendTarget target{model, "p", "us-central1", {}};
  const auto built = translator.buildRequest(request, target);
  if (!built) {
    if (built.error().kind != ErrorKind::InvalidRequest || built.error().param.empty())
      fail("refused without an InvalidRequest naming the field", built.error().message);
    return 0;
  }

  // The inputs, as the translator must have read them.
  std::vector<std::string_view> inputs;
  const json::value& input = body.at("input");
  if (input.is_string()) {
    inputs.push_back(input.get_string());
  } else {
    for (const auto& item : input.get_array()) inputs.push_back(item.get_string());
  }
  const std::size_t limit = vertex::instanceLimit(model);
  const std::string path = "/v1/projects/p/locations/us-central1/publishers/google/models/" +
                           std::string(model) + ":predict";
  std::size_t next = 0;
  for (const auto& call : *built) {
    if (call.target != path) fail("call is not the model's :predict", call.target);
    json::monotonic_resource arena;
    const json::value out = json::parse(call.body, ec, &arena);
    const auto* instances =
        !ec && out.is_object() ? out.get_object().if_contains("instances") : nullptr;
    if (!instances || !instances->is_array()) fail("call body has no instances", call.body);
    const auto& items = instances->get_array();
    if (items.empty() || items.size() > limit) fail("call carries 0 or too many", call.body);
    for (const auto& item : items) {
      const auto* content = item.is_object() ? item.get_object().if_contains("content") : nullptr;
      if (!content || !content->is_string() || next >= inputs.size() ||
          content->get_string() != inputs[next])
        fail("instances are not the inputs in order", call.body);
      ++next;
    }
  }
  if (next != inputs.size()) fail("not every input was sent", std::to_string(next));

  if (parts.size() < 2) return 0;
  std::vector<std::string_view> bodies;
  for (std::size_t i = 0; i < built->size(); ++i)
    bodies.push_back(parts[1 + i % (parts.size() - 1)]);

  // Both encodings of the same answers, to compare them.
  std::array<std::vector<std::vector<std::uint32_t>>, 2> vectors;
  std::array<bool, 2> translated{};
  for (const bool base64 : {false, true}) {
    body["encoding_format"] = base64 ? "base64" : "float";
    const auto answer = translator.translateResponse(bodies, request, target, {});
    if (!answer) {
      if (answer.error().kind != ErrorKind::UpstreamBadResponse)
        fail("answer refused as something else than UpstreamBadResponse", answer.error().message);
      continue;
    }
    if (answer->usage.promptTokens != answer->usage.totalTokens || answer->usage.promptTokens < 0)
      fail("usage prompt and total differ or are negative", answer->body);
    if (answer->responseModel != model) fail("response model is not the backend's", answer->body);
    translated[base64] = true;
    vectors[base64] = vectorsOf(answer->body, inputs.size(), base64, answer->usage.promptTokens);
  }
  if (translated[0] != translated[1]) fail("one encoding translated, the other did not");
  if (vectors[0] != vectors[1]) fail("float and base64 vectors differ");
  return 0;
}
