#include "gateway/access_log.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <string>
#include <utility>
#include <vector>

namespace switchyard::gateway {
namespace {

RequestInfo sampleEntry() {
  RequestInfo e;
  e.start = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'764'218'866'101));
  e.method = "POST";
  e.path = "/v1/chat/completions";
  e.protocol = "HTTP/1.1";
  e.responseCode = 200;
  e.bytesReceived = 120;
  e.bytesSent = 840;
  e.duration = std::chrono::microseconds(2'345'678);
  e.upstreamHost = "127.0.0.1:443";
  e.upstreamCluster = "default/fallback";
  e.requestId = "req-1";
  e.userAgent = "agent \"quoted\"\n";
  e.clientId = "team-a";
  e.requestModel = "vertex-virtual-model";
  e.modelOverride = "gemini-2.5-flash";
  e.responseModel = "gemini-2.5-flash";
  e.usage = {10, 20, 30, 4, 5};
  e.backend = "default/fallback";
  e.stream = true;
  e.attempts.push_back(
      {"default/primary", "10.0.0.1:443", "status_503", std::chrono::microseconds(1200)});
  e.attempts.push_back(
      {"default/fallback", "127.0.0.1:443", "ok", std::chrono::microseconds(3400)});
  return e;
}

TEST(AccessLogLine, IsOneJsonObjectWithEnvoyAndAiFields) {
  const auto line = formatAccessLogLine(sampleEntry());
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line, control characters escaped";
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(line, ec);
  ASSERT_FALSE(ec) << line;
  const auto& o = parsed.as_object();
  EXPECT_EQ(o.at("start_time"), "2025-11-27T04:47:46.101Z");
  EXPECT_EQ(o.at("method"), "POST");
  EXPECT_EQ(o.at("x-envoy-origin-path"), "/v1/chat/completions");
  EXPECT_EQ(o.at("response_code").as_int64(), 200);
  EXPECT_EQ(o.at("response_flags"), "-");
  EXPECT_EQ(o.at("duration").as_int64(), 2345);
  EXPECT_EQ(o.at("duration_us").as_int64(), 2345678);
  EXPECT_EQ(o.at("user-agent"), "agent \"quoted\"\n");
  EXPECT_TRUE(o.at("upstream_transport_failure_reason").is_null());
  EXPECT_EQ(o.at("gen_ai.request.model_override"), "gemini-2.5-flash");
  EXPECT_EQ(o.at("gen_ai.usage.total_tokens").as_int64(), 30);
  EXPECT_EQ(o.at("gen_ai.usage.reasoning_tokens").as_int64(), 5);
  EXPECT_EQ(o.at("stream"), true);
  EXPECT_FALSE(o.contains("error.type"));
  const auto& attempts = o.at("attempts").as_array();
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].at("outcome"), "status_503");
  EXPECT_EQ(attempts[1].at("duration_us").as_int64(), 3400);
}

std::string textOf(const boost::json::object& o, std::string_view key) {
  return std::string(o.at(key).as_string());
}

TEST(AccessLogLine, FieldsCopiedFromTheRequestAreCutAndMarked) {
  RequestInfo e = sampleEntry();
  const std::string path = "/v1/chat/completions?" + std::string(60'000, 'p');
  const std::string agent(60'000, 'a');
  const std::string method(5'000, 'M');
  // The cut falls inside a two-byte character (at byte 1024): it ends before it instead.
  const std::string model = std::string(1023, 'm') + "\xc3\xa9" + std::string(10 << 20, 'm');
  const std::string answered(2'000, 'r');
  e.path = path;
  e.userAgent = agent;
  e.method = method;
  e.requestModel = model;
  e.responseModel = answered;
  e.upstreamTransportFailureReason = std::string(3'000, 'f');

  const auto line = formatAccessLogLine(e);
  EXPECT_LT(line.size(), 8 * 1024u);
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(line, ec);
  ASSERT_FALSE(ec) << line.substr(0, 200);
  const auto& o = parsed.as_object();
  EXPECT_EQ(textOf(o, "x-envoy-origin-path"),
            path.substr(0, 1024) + "...[truncated: " + std::to_string(path.size()) + " bytes]");
  EXPECT_EQ(textOf(o, "user-agent"), std::string(1024, 'a') + "...[truncated: 60000 bytes]");
  EXPECT_EQ(textOf(o, "method"), std::string(1024, 'M') + "...[truncated: 5000 bytes]");
  EXPECT_EQ(textOf(o, "gen_ai.request.model"),
            std::string(1023, 'm') + "...[truncated: " + std::to_string(model.size()) + " bytes]");
  EXPECT_EQ(textOf(o, "gen_ai.response.model"),
            std::string(1024, 'r') + "...[truncated: 2000 bytes]");
  EXPECT_EQ(o.at("upstream_transport_failure_reason").as_string().size(),
            1024 + std::string_view("...[truncated: 3000 bytes]").size());
  // A value at the limit is kept whole.
  e = sampleEntry();
  const std::string exact(1024, 'x');
  e.userAgent = exact;
  EXPECT_EQ(textOf(boost::json::parse(formatAccessLogLine(e)).as_object(), "user-agent"), exact);
}
TEST(AccessLogLine, EmptyValuesAreNullAndErrorsNamed) {
  RequestInfo e;
  e.errorType = "upstream_timeout";
  e.responseFlags = "UT";
  const auto parsed = boost::json::parse(formatAccessLogLine(e));
  const auto& o = parsed.as_object();
  EXPECT_TRUE(o.at("backend").is_null());
  EXPECT_TRUE(o.at("gen_ai.response.model").is_null());
  EXPECT_EQ(o.at("error.type"), "upstream_timeout");
  EXPECT_EQ(o.at("response_flags"), "UT");
  EXPECT_TRUE(o.at("attempts").as_array().empty());
}

// Every byte of a full line (escapes, a cut value, a negative count, attempts, rate-limit rules),
// so that a change in how the line is written cannot change what is written.
TEST(AccessLogLine, ExactBytesOfAFullLine) {
  RequestInfo e = sampleEntry();
  e.responseFlags = "URX";
  e.errorType = "upstream_error";
  const std::string requestId = std::string("id\x01\\") + std::string(1030, 'i');
  e.requestId = requestId;
  e.usage.reasoningTokens = -1;
  e.upstreamTransportFailureReason = "reset \t by peer";
  e.rateLimitedBy = "per-team";
  e.rateLimits.push_back({"per-team", "over_limit", 3, 0});
  e.rateLimits.push_back({"global", "ok", 1, 70});
  const std::string line = formatAccessLogLine(e);
  const std::string expected =
      std::string(
          R"json({"start_time":"2025-11-27T04:47:46.101Z","method":"POST",)json"
          R"json("x-envoy-origin-path":"/v1/chat/completions","protocol":"HTTP/1.1","response_code":200,)json"
          R"json("response_flags":"URX","bytes_received":120,"bytes_sent":840,"duration":2345,)json"
          R"json("duration_us":2345678,"upstream_host":"127.0.0.1:443",)json"
          R"json("upstream_cluster":"default/fallback",)json"
          R"json("upstream_transport_failure_reason":"reset \t by peer","x-request-id":"id\u0001\\)json") +
      std::string(1020, 'i') +
      R"json(...[truncated: 1034 bytes]","user-agent":"agent \"quoted\"\n","client-id":"team-a",)json"
      R"json("gen_ai.request.model":"vertex-virtual-model",)json"
      R"json("gen_ai.request.model_override":"gemini-2.5-flash",)json"
      R"json("gen_ai.response.model":"gemini-2.5-flash","gen_ai.usage.input_tokens":10,)json"
      R"json("gen_ai.usage.output_tokens":20,"gen_ai.usage.total_tokens":30,)json"
      R"json("gen_ai.usage.cached_tokens":4,"gen_ai.usage.reasoning_tokens":-1,)json"
      R"json("backend":"default/fallback","stream":true,"error.type":"upstream_error",)json"
      R"json("attempts":[{"backend":"default/primary","upstream_host":"10.0.0.1:443",)json"
      R"json("outcome":"status_503","duration_us":1200},{"backend":"default/fallback",)json"
      R"json("upstream_host":"127.0.0.1:443","outcome":"ok","duration_us":3400}],)json"
      R"json("ratelimit.limited_by":"per-team","ratelimit.rules":[{"rule":"per-team",)json"
      R"json("outcome":"over_limit","request_cost":3,"response_cost":0},{"rule":"global","outcome":"ok",)json"
      R"json("request_cost":1,"response_cost":70}]})json";
  EXPECT_EQ(line, expected);
  // Appended after what a batch already holds, the same bytes.
  std::string batch = "{}\n";
  appendAccessLogLine(batch, e);
  EXPECT_EQ(batch, "{}\n" + expected);
}

// The line is written as literal runs: the keys, their order and every value's JSON type are
// pinned here, for a full entry and an empty one.
TEST(AccessLogLine, KeysAndTypesAreFixed) {
  using boost::json::kind;
  const std::vector<std::pair<std::string, kind>> full = {
      {"start_time", kind::string},
      {"method", kind::string},
      {"x-envoy-origin-path", kind::string},
      {"protocol", kind::string},
      {"response_code", kind::int64},
      {"response_flags", kind::string},
      {"bytes_received", kind::int64},
      {"bytes_sent", kind::int64},
      {"duration", kind::int64},
      {"duration_us", kind::int64},
      {"upstream_host", kind::string},
      {"upstream_cluster", kind::string},
      {"upstream_transport_failure_reason", kind::null},
      {"x-request-id", kind::string},
      {"user-agent", kind::string},
      {"client-id", kind::string},
      {"gen_ai.request.model", kind::string},
      {"gen_ai.request.model_override", kind::string},
      {"gen_ai.response.model", kind::string},
      {"gen_ai.usage.input_tokens", kind::int64},
      {"gen_ai.usage.output_tokens", kind::int64},
      {"gen_ai.usage.total_tokens", kind::int64},
      {"gen_ai.usage.cached_tokens", kind::int64},
      {"gen_ai.usage.reasoning_tokens", kind::int64},
      {"backend", kind::string},
      {"stream", kind::bool_},
      {"attempts", kind::array}};
  const auto parsed = boost::json::parse(formatAccessLogLine(sampleEntry()));
  std::vector<std::pair<std::string, kind>> seen;
  for (const auto& member : parsed.as_object())
    seen.emplace_back(std::string(member.key()), member.value().kind());
  EXPECT_EQ(seen, full);
  for (const auto& attempt : parsed.at("attempts").as_array()) {
    std::vector<std::string> keys;
    for (const auto& member : attempt.as_object()) keys.emplace_back(member.key());
    EXPECT_EQ(keys,
              (std::vector<std::string>{"backend", "upstream_host", "outcome", "duration_us"}));
  }

  RequestInfo empty;
  empty.errorType = "internal";
  const auto line = formatAccessLogLine(empty);
  const auto emptyParsed = boost::json::parse(line);
  EXPECT_EQ(emptyParsed.as_object().size(), full.size() + 1) << line;  // + error.type
  EXPECT_EQ(emptyParsed.at("stream"), false);
}

}  // namespace
}  // namespace switchyard::gateway
