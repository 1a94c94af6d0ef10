// Embeddings translation: cases/vertex_embeddings.json and cases/openai_embeddings.json. Each case
// is of one kind:
// - "request": the OpenAI request in, the upstream calls out (`expect_calls`: target and body per
//   call; `expect_body_text`: exact bytes per call; `expect_instance_counts`: instances per call),
//   or `expect_error`;
// - "response": the upstream bodies in (`upstream`, one per call; a JSON string is sent as raw
//   text), the client's answer out (`expect`, `expect_body_text`, `expect_usage`, `expect_floats`
//   for base64 vectors decoded back to float32, `expect_verbatim` for the passthrough), or
//   `expect_error`;
// - "error": a non-2xx answer with headers to the core::Error.
// `generate_inputs: N` fills `input` with "text 0".."text N-1"; `generate_upstream: [n, ...]`
// makes one body per call whose prediction i (counting across calls) is the vector [i].

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstring>

#include "case_files.hpp"
#include "core/base64.hpp"
#include "core/error.hpp"
#include "providers/registry.hpp"

namespace switchyard::providers {
namespace {

namespace json = boost::json;
using testing::Case;
using testing::pretty;
using testing::str;

const Translator& translatorFor(const json::object& data) {
  const std::string schema = str(data, "schema", "GCPVertexAI");
  const Provider* provider = findProvider(schema);
  if (!provider || !provider->translator(Endpoint::Embeddings)) {
    ADD_FAILURE() << "no embeddings translator for " << schema;
    std::abort();
  }
  return *provider->translator(Endpoint::Embeddings);
}

// Everything a case's request needs to stay alive while it is translated.
struct CaseRequest {
  json::object body;
  std::string model;
  std::string targetModel, project, region, prefix;
  ApiRequest request;
  BackendTarget target;

  explicit CaseRequest(const json::object& data) {
    if (const auto raw = str(data, "raw_request"); !raw.empty()) {
      body = json::parse(raw).as_object();
    } else {
      body = data.at("request").as_object();
    }
    if (const auto* count = data.if_contains("generate_inputs")) {
      json::array inputs;
      for (std::int64_t i = 0; i < count->as_int64(); ++i)
        inputs.emplace_back("text " + std::to_string(i));
      body["input"] = std::move(inputs);
    }
    const auto spec = data.contains("target") ? data.at("target").as_object() : json::object{};
    model = str(body, "model");
    targetModel = str(spec, "model", model);
    project = str(spec, "project", "proj-1");
    region = str(spec, "region", "us-central1");
    prefix = str(spec, "prefix");
    request.endpoint = Endpoint::Embeddings;
    request.body = &body;
    request.model = model;
    target = BackendTarget{targetModel, project, region, prefix, {}};
  }
};

void expectError(const core::Error& actual, const json::object& expected) {
  EXPECT_EQ(core::kindName(actual.kind), str(expected, "kind")) << actual.message;
  EXPECT_EQ(actual.param, str(expected, "param")) << actual.message;
  if (const auto contains = str(expected, "message_contains"); !contains.empty()) {
    EXPECT_NE(actual.message.find(contains), std::string::npos) << actual.message;
  }
}

json::value parseOrFail(std::string_view text) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  EXPECT_FALSE(ec) << "not JSON: " << text;
  return value;
}

void checkRequest(const json::object& data) {
  CaseRequest c(data);
  const auto built = translatorFor(data).buildRequest(c.request, c.target);
  if (const auto* expected = data.if_contains("expect_error")) {
    ASSERT_FALSE(built.has_value()) << "expected an error, got " << built->size() << " calls";
    expectError(built.error(), expected->as_object());
    return;
  }
  ASSERT_TRUE(built.has_value()) << core::kindName(built.error().kind)
                                 << " param=" << built.error().param << ": "
                                 << built.error().message;
  for (const auto& call : *built) {
    EXPECT_EQ(call.method, "POST");
    EXPECT_EQ(core::findHeader(call.headers, "content-type"), "application/json");
  }
  if (const auto* calls = data.if_contains("expect_calls")) {
    ASSERT_EQ(built->size(), calls->as_array().size());
    for (std::size_t i = 0; i < built->size(); ++i) {
      const auto& expected = calls->as_array()[i].as_object();
      const auto& call = (*built)[i];
      if (const auto target = str(expected, "target"); !target.empty()) {
        EXPECT_EQ(call.target, target) << "call " << i;
      }
      const auto actual = parseOrFail(call.body);
      EXPECT_EQ(actual, expected.at("body")) << "call " << i << "\nactual:   " << pretty(actual)
                                             << "\nexpected: " << pretty(expected.at("body"));
    }
  }
  if (const auto* texts = data.if_contains("expect_body_text")) {
    ASSERT_EQ(built->size(), texts->as_array().size());
    for (std::size_t i = 0; i < built->size(); ++i)
      EXPECT_EQ((*built)[i].body, texts->as_array()[i].as_string()) << "call " << i;
  }
  if (const auto* counts = data.if_contains("expect_instance_counts")) {
    // Every input once, in order, split as expected, the same path for each call.
    ASSERT_EQ(built->size(), counts->as_array().size());
    std::int64_t next = 0;
    for (std::size_t i = 0; i < built->size(); ++i) {
      EXPECT_EQ((*built)[i].target, built->front().target);
      const auto body = parseOrFail((*built)[i].body);
      const auto& instances = body.at("instances").as_array();
      EXPECT_EQ(static_cast<std::int64_t>(instances.size()), counts->as_array()[i].as_int64())
          << "call " << i;
      for (const auto& instance : instances)
        EXPECT_EQ(instance.at("content").as_string(), "text " + std::to_string(next++));
    }
    EXPECT_EQ(next, static_cast<std::int64_t>(c.body.at("input").as_array().size()));
  }
}

// IEEE-754 float32 from four little-endian bytes.
float floatAt(std::string_view bytes, std::size_t index) {
  std::uint32_t bits = 0;
  for (int b = 3; b >= 0; --b)
    bits = (bits << 8) | static_cast<unsigned char>(bytes[index * 4 + static_cast<std::size_t>(b)]);
  float number;
  std::memcpy(&number, &bits, sizeof number);
  return number;
}

void checkResponse(const json::object& data) {
  CaseRequest c(data);
  std::vector<std::string> bodies;
  if (const auto* sizes = data.if_contains("generate_upstream")) {
    std::int64_t next = 0;
    for (const auto& size : sizes->as_array()) {
      json::array predictions;
      for (std::int64_t i = 0; i < size.as_int64(); ++i, ++next)
        predictions.push_back(json::object{
            {"embeddings", json::object{{"values", json::array{next}},
                                        {"statistics", json::object{{"token_count", 1},
                                                                    {"truncated", false}}}}}});
      bodies.push_back(json::serialize(json::object{{"predictions", std::move(predictions)}}));
    }
  } else {
    for (const auto& body : data.at("upstream").as_array())
      bodies.push_back(body.is_string() ? std::string(body.get_string()) : json::serialize(body));
  }
  const std::vector<std::string_view> views(bodies.begin(), bodies.end());
  ResponseContext context;
  context.nowSeconds = 1700000000;
  context.requestId = "req-1";
  const auto translated =
      translatorFor(data).translateResponse(views, c.request, c.target, context);
  if (const auto* expected = data.if_contains("expect_error")) {
    ASSERT_FALSE(translated.has_value()) << "expected an error, got " << translated->body;
    expectError(translated.error(), expected->as_object());
    return;
  }
  ASSERT_TRUE(translated.has_value())
      << core::kindName(translated.error().kind) << ": " << translated.error().message;
  const auto actual = parseOrFail(translated->body);
  if (data.contains("expect_verbatim")) {
    ASSERT_EQ(bodies.size(), 1u);
    EXPECT_EQ(translated->body, bodies.front());
  }
  if (const auto model = str(data, "expect_model"); !model.empty()) {
    EXPECT_EQ(translated->responseModel, model);
  } else if (!data.contains("expect_verbatim")) {
    EXPECT_EQ(translated->responseModel, c.targetModel);
    EXPECT_EQ(actual.at("model").as_string(), c.targetModel);
  }
  if (const auto* expected = data.if_contains("expect")) {
    EXPECT_EQ(actual, *expected) << "actual:   " << pretty(actual)
                                 << "\nexpected: " << pretty(*expected);
  }
  if (const auto* text = data.if_contains("expect_body_text")) {
    EXPECT_EQ(translated->body, text->as_string());
  }
  if (const auto* usage = data.if_contains("expect_usage")) {
    const auto& expected = usage->as_object();
    EXPECT_EQ(translated->usage.promptTokens, expected.at("prompt_tokens").as_int64());
    EXPECT_EQ(translated->usage.totalTokens, expected.at("total_tokens").as_int64());
    EXPECT_EQ(translated->usage.completionTokens, 0);
    if (!data.contains("expect_verbatim")) {
      EXPECT_EQ(actual.at("usage"), *usage) << pretty(actual.at("usage"));
    }
  }
  if (const auto* floats = data.if_contains("expect_floats")) {
    // Each base64 vector decodes to the float32 bytes of the expected numbers, little-endian.
    const auto& items = actual.at("data").as_array();
    ASSERT_EQ(items.size(), floats->as_array().size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto bytes = core::base64::decode(items[i].at("embedding").as_string(), {});
      ASSERT_TRUE(bytes.has_value()) << "embedding " << i << " is not base64";
      const auto& expected = floats->as_array()[i].as_array();
      ASSERT_EQ(bytes->size(), expected.size() * 4) << "embedding " << i;
      for (std::size_t j = 0; j < expected.size(); ++j)
        EXPECT_EQ(floatAt(*bytes, j), static_cast<float>(expected[j].to_number<double>()))
            << "embedding " << i << " value " << j;
    }
  }
  if (data.contains("generate_upstream")) {
    // Merged in order: item i has index i and the vector [i].
    const auto& items = actual.at("data").as_array();
    ASSERT_EQ(items.size(), c.body.at("input").as_array().size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      EXPECT_EQ(items[i].at("index").as_int64(), static_cast<std::int64_t>(i));
      EXPECT_EQ(items[i].at("embedding").as_array().at(0).to_number<double>(),
                static_cast<double>(i));
    }
  }
}

void checkError(const json::object& data) {
  std::vector<core::Header> headers;
  for (const auto& header : data.at("headers").as_object())
    headers.push_back({std::string(header.key()), std::string(header.value().as_string())});
  const auto& upstream = data.at("upstream");
  const std::string body =
      upstream.is_string() ? std::string(upstream.get_string()) : json::serialize(upstream);
  const auto status = static_cast<unsigned>(data.at("status").as_int64());
  const auto error = translatorFor(data).translateError(status, headers, body);
  const auto& expected = data.at("expect").as_object();
  EXPECT_EQ(core::kindName(error.kind), str(expected, "kind"));
  EXPECT_EQ(error.upstreamStatus, expected.at("status").as_int64());
  if (expected.contains("code")) {
    EXPECT_EQ(error.code, str(expected, "code"));
  }
  EXPECT_EQ(error.param, str(expected, "param"));
  EXPECT_EQ(error.retryAfterSeconds, expected.at("retry_after").as_int64());
  if (const auto contains = str(expected, "message_contains"); !contains.empty()) {
    EXPECT_NE(error.message.find(contains), std::string::npos) << error.message;
  }
}

class Embeddings : public ::testing::TestWithParam<Case> {};

TEST_P(Embeddings, Translates) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const auto kind = str(data, "kind");
  if (kind == "request") {
    checkRequest(data);
  } else if (kind == "response") {
    checkResponse(data);
  } else if (kind == "error") {
    checkError(data);
  } else {
    FAIL() << "unknown case kind '" << kind << "'";
  }
}

INSTANTIATE_TEST_SUITE_P(Vertex, Embeddings,
                         ::testing::ValuesIn(testing::loadCases("vertex_embeddings.json")),
                         [](const auto& info) { return testing::testName(info.param); });
INSTANTIATE_TEST_SUITE_P(OpenAi, Embeddings,
                         ::testing::ValuesIn(testing::loadCases("openai_embeddings.json")),
                         [](const auto& info) { return testing::testName(info.param); });

TEST(Embeddings, NeverStreamed) {
  const json::object body{{"model", "m"}, {"input", "x"}};
  ApiRequest request;
  request.endpoint = Endpoint::Embeddings;
  request.body = &body;
  request.model = "m";
  request.stream = true;
  const BackendTarget target{"text-embedding-005", "p", "us-central1", {}};
  for (const Provider* provider : allProviders()) {
    const Translator* translator = provider->translator(Endpoint::Embeddings);
    if (!provider->descriptor.serves(Endpoint::Embeddings)) continue;
    ASSERT_NE(translator, nullptr) << provider->descriptor.schemaName;
    EXPECT_EQ(translator->newStreamTranslator(request, target, {}), nullptr)
        << provider->descriptor.schemaName;
  }
}

}  // namespace
}  // namespace switchyard::providers
