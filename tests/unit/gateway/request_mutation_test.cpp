// applyMutations: headers (any case, protected ones untouched), the body's top-level members
// (bytes of untouched members kept), bodies that are not JSON objects, and route-over-backend
// precedence as the loader merges it.

#include "gateway/request_mutation.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "config/loader.hpp"

namespace switchyard::gateway {
namespace {

using config::BodyField;
using config::Mutations;
using Headers = std::vector<std::pair<std::string, std::string>>;

core::OutboundRequest request(std::string body, std::vector<core::Header> headers = {}) {
  core::OutboundRequest out;
  out.target = "/v1/chat/completions";
  out.headers = std::move(headers);
  out.body = std::move(body);
  return out;
}

Headers headersOf(const core::OutboundRequest& r) {
  Headers out;
  for (const auto& h : r.headers) out.emplace_back(h.name, h.value);
  return out;
}

TEST(RequestMutationTest, NothingConfiguredTouchesNothing) {
  auto r = request("not json at all", {{"Content-Type", "application/json"}});
  const auto before = r;
  EXPECT_EQ(applyMutations(Mutations{}, r), MutationResult::Applied);
  EXPECT_EQ(r.body, before.body);
  EXPECT_EQ(headersOf(r), headersOf(before));
}

TEST(RequestMutationTest, HeaderMutationsAloneDoNotReadTheBody) {
  Mutations m;
  m.setHeaders = {{"x-a", "1"}};
  auto r = request("not json at all");
  EXPECT_EQ(applyMutations(m, r), MutationResult::Applied);
  EXPECT_EQ(r.body, "not json at all");
  EXPECT_EQ(headersOf(r), (Headers{{"x-a", "1"}}));
}

TEST(RequestMutationTest, HeadersAreSetAndRemovedInAnyCase) {
  Mutations m;
  m.removeHeaders = {"x-drop", "x-absent"};
  m.setHeaders = {{"X-Team", "blue"}, {"x-new", "n"}};
  auto r = request("{}", {{"Content-Type", "application/json"},
                          {"x-team", "red"},
                          {"X-DROP", "1"},
                          {"X-Team", "green"},
                          {"x-drop", "2"}});
  EXPECT_EQ(applyMutations(m, r), MutationResult::Applied);
  // The first x-team takes the value (keeping its spelling), later ones go.
  EXPECT_EQ(headersOf(r),
            (Headers{{"Content-Type", "application/json"}, {"x-team", "blue"}, {"x-new", "n"}}));
}

TEST(RequestMutationTest, ProtectedHeadersAreNeverTouched) {
  // The loader rejects these; a snapshot built by hand still cannot break signing or framing.
  Mutations m;
  m.removeHeaders = {"authorization", "host", "content-length", "x-request-id", "x-goog-api-key"};
  m.setHeaders = {{"Authorization", "Bearer stolen"},
                  {"api-key", "k"},
                  {"X-Api-Key", "k"},
                  {"Transfer-Encoding", "chunked"},
                  {"connection", "close"},
                  {"traceparent", "t"},
                  {"x-ok", "yes"}};
  auto r = request("{}", {{"Authorization", "Bearer real"},
                          {"Host", "h.example"},
                          {"Content-Length", "2"},
                          {"x-request-id", "r1"},
                          {"x-goog-api-key", "g"}});
  EXPECT_EQ(applyMutations(m, r), MutationResult::Applied);
  EXPECT_EQ(headersOf(r), (Headers{{"Authorization", "Bearer real"},
                                   {"Host", "h.example"},
                                   {"Content-Length", "2"},
                                   {"x-request-id", "r1"},
                                   {"x-goog-api-key", "g"},
                                   {"x-ok", "yes"}}));
}

struct BodyCase {
  std::string name;
  std::string body;
  std::vector<BodyField> set;
  std::vector<std::string> remove;
  std::string expected;  // the body afterwards
  MutationResult result = MutationResult::Applied;
};

void PrintTo(const BodyCase& c, std::ostream* os) { *os << c.name; }

std::vector<BodyCase> bodyCases() {
  const std::string chat =
      R"({"model": "m", "temperature": 0.70, "messages": [{"role": "user", "content": "a,}\"]"}], "n": 1e2})";
  return {
      {"SetExistingKeepsOtherBytes",
       chat,
       {{"temperature", "0.2"}},
       {},
       R"({"model": "m","temperature":0.2,"messages": [{"role": "user", "content": "a,}\"]"}],"n": 1e2})"},
      {"SetNewAppends",
       R"({"model":"m"})",
       {{"service_tier", "\"scale\""}, {"k", "{\"a\": [1]}"}},
       {},
       R"({"model":"m","service_tier":"scale","k":{"a": [1]}})"},
      {"RemoveFirstMiddleLast",
       R"({"a":1,"b":[2,{"x":"}"}],"c":"3","d":null})",
       {},
       {"a", "c", "d"},
       R"({"b":[2,{"x":"}"}]})"},
      {"RemoveAllLeavesEmptyObject", R"({"a":1})", {}, {"a"}, "{}"},
      {"SetIntoEmptyObject", " { } ", {{"a", "true"}}, {}, R"({"a":true})"},
      {"RemoveAbsentLeavesBodyAsItWas", "{ \"a\" : 1 }\n", {}, {"zz"}, "{ \"a\" : 1 }\n"},
      {"SetAndRemoveTogether", R"({"a":1,"b":2})", {{"b", "\"x\""}}, {"a"}, R"({"b":"x"})"},
      {"EscapedKeyMatches",
       R"({"\u0075ser":"old","x":1})",
       {{"user", "\"new\""}},
       {},
       R"({"\u0075ser":"new","x":1})"},
      {"NewKeyIsEscaped", "{}", {{"we\"ird", "1"}}, {}, R"({"we\"ird":1})"},
      {"DuplicateMembersAllEdited",
       R"({"a":1,"a":2,"b":3})",
       {{"a", "0"}},
       {"b"},
       R"({"a":0,"a":0})"},
      {"StreamIsProtected",
       R"({"stream":true,"a":1})",
       {{"stream", "false"}},
       {"stream"},
       R"({"stream":true,"a":1})"},
      {"NotJson", "hello", {{"a", "1"}}, {}, "hello", MutationResult::BodySkipped},
      {"EmptyBody", "", {{"a", "1"}}, {}, "", MutationResult::BodySkipped},
      {"ArrayBody", "[1,2]", {{"a", "1"}}, {}, "[1,2]", MutationResult::BodySkipped},
      {"StringBody", R"("{}")", {}, {"a"}, R"("{}")", MutationResult::BodySkipped},
      {"Truncated",
       R"({"a":{"b":1})",
       {{"a", "1"}},
       {},
       R"({"a":{"b":1})",
       MutationResult::BodySkipped},
      {"UnterminatedString",
       R"({"a":"b})",
       {{"a", "1"}},
       {},
       R"({"a":"b})",
       MutationResult::BodySkipped},
      {"MismatchedBrackets",
       R"({"a":[1}],"b":2})",
       {},
       {"b"},
       R"({"a":[1}],"b":2})",
       MutationResult::BodySkipped},
      {"TrailingGarbage", R"({"a":1} x)", {}, {"a"}, R"({"a":1} x)", MutationResult::BodySkipped},
      {"MissingColon", R"({"a" 1})", {}, {"a"}, R"({"a" 1})", MutationResult::BodySkipped},
      {"TrailingComma", R"({"a":1,})", {}, {"a"}, R"({"a":1,})", MutationResult::BodySkipped},
  };
}

class BodyMutationTest : public ::testing::TestWithParam<BodyCase> {};

TEST_P(BodyMutationTest, EditsTopLevelMembers) {
  const auto& c = GetParam();
  Mutations m;
  m.setBody = c.set;
  m.removeBody = c.remove;
  m.setHeaders = {{"x-h", "v"}};
  auto r = request(c.body);
  EXPECT_EQ(applyMutations(m, r), c.result);
  EXPECT_EQ(r.body, c.expected);
  EXPECT_EQ(headersOf(r), (Headers{{"x-h", "v"}})) << "headers apply whatever the body is";
}

INSTANTIATE_TEST_SUITE_P(Apply, BodyMutationTest, ::testing::ValuesIn(bodyCases()),
                         [](const auto& info) { return info.param.name; });

// From manifests to the wire: the backendRef's mutations (route level) win over the
// AIServiceBackend's on the same header or member, whether they set or remove.
TEST(RequestMutationTest, RouteLevelWinsOverBackendLevelFromManifests) {
  std::random_device rd;
  const auto file = std::filesystem::temp_directory_path() /
                    ("switchyard-mutation-" + std::to_string(rd()) + ".yaml");
  std::ofstream(file) << R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: r
spec:
  rules:
    - backendRefs:
        - name: a
          headerMutation:
            set: [{name: X-Tier, value: route}]
            remove: [x-backend]
          bodyMutation:
            set: [{path: service_tier, value: scale}]
            remove: [max_tokens]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: a
spec:
  schema:
    name: OpenAI
  backendRef:
    name: a
  headerMutation:
    set: [{name: x-tier, value: backend}, {name: x-backend, value: "1"}, {name: x-kept, value: k}]
  bodyMutation:
    set: [{path: service_tier, value: '"flex"'}, {path: max_tokens, value: "9"}, {path: seed, value: "7"}]
    remove: [user]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: a
spec:
  endpoints:
    - fqdn: {hostname: a.example, port: 443}
)";
  config::LoadOptions options;
  options.paths = {file.string()};
  options.getenv = [](std::string_view) { return std::optional<std::string>(); };
  const auto loaded = config::loadSnapshot(options);
  std::filesystem::remove(file);
  ASSERT_TRUE(loaded.ok());
  const auto& ref = loaded.snapshot->routes.at(0).rules.at(0).backendRefs.at(0);

  auto r =
      request(R"({"model":"m","max_tokens":5,"user":"u"})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(applyMutations(ref.mutations, r), MutationResult::Applied);
  EXPECT_EQ(headersOf(r),
            (Headers{{"Content-Type", "application/json"}, {"x-kept", "k"}, {"X-Tier", "route"}}));
  EXPECT_EQ(r.body, R"({"model":"m","seed":7,"service_tier":"scale"})");
}

}  // namespace
}  // namespace switchyard::gateway
