#include "gateway/credential_scrub.hpp"

#include <gtest/gtest.h>

#include <string>

namespace switchyard::gateway {
namespace {

struct Case {
  const char* name;
  std::string in;
  std::string out;
};

const std::string kJwt =
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWc";

class ScrubTest : public ::testing::TestWithParam<Case> {};

TEST_P(ScrubTest, RedactsCredentialShapedText) {
  std::string text = GetParam().in;
  scrubCredentials(text);
  EXPECT_EQ(text, GetParam().out);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ScrubTest,
    ::testing::Values(
        Case{"plain", "Resource exhausted. Please try again later.",
             "Resource exhausted. Please try again later."},
        Case{"header_echo", "headers: authorization: Bearer ya29.a0AfB_x-y; content-length: 5;",
             "headers: authorization: [REDACTED]; content-length: 5;"},
        Case{"header_echo_capitalised", "Authorization:Basic dXNlcjpwYXNz\nHost: x",
             "Authorization:[REDACTED]\nHost: x"},
        Case{"json_key", R"({"Authorization": "Bearer abc.def", "host": "h"})",
             R"({"Authorization": "[REDACTED]", "host": "h"})"},
        Case{"escaped_json_in_message", R"(saw {\"x-goog-api-key\":\"AIzaSyA\"} then)",
             R"(saw {\"x-goog-api-key\":\"[REDACTED]\"} then)"},
        Case{"api_key_header_not_inside_a_longer_name", "x-goog-api-key=k1&other=2",
             "x-goog-api-key=[REDACTED]&other=2"},
        Case{"bearer_in_prose", "token Bearer sk_live.abc was refused",
             "token Bearer [REDACTED] was refused"},
        Case{"ya29_alone", "invalid token ya29.c.b0Aaek-x_y.z~1 given",
             "invalid token [REDACTED] given"},
        Case{"google_api_key", "key=AIzaSyD-abcdefghijklmnopqrstuvwxyz01234 bad",
             "key=[REDACTED] bad"},
        Case{"short_aiza_is_a_word", "AIzations", "AIzations"},
        Case{"openai_key", "Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwx.",
             "Incorrect API key provided: [REDACTED]."},
        Case{"sk_dash_word_kept", "task-force and sk-short", "task-force and sk-short"},
        Case{"jwt", "assertion " + kJwt + " rejected", "assertion [REDACTED] rejected"},
        Case{"two_part_eyj_kept", "eyJabc.def only", "eyJabc.def only"},
        Case{"several", "a ya29.x b ya29.y", "a [REDACTED] b [REDACTED]"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ScrubCredentials, CountsWhatItReplacedAndLeavesCleanTextAlone) {
  std::string clean = "upstream returned HTTP 500";
  EXPECT_EQ(scrubCredentials(clean), 0u);
  EXPECT_EQ(clean, "upstream returned HTTP 500");
  std::string dirty = "Bearer ya29.one and ya29.two";
  EXPECT_EQ(scrubCredentials(dirty), 2u);
  EXPECT_EQ(dirty, "Bearer [REDACTED] and [REDACTED]");
}

}  // namespace
}  // namespace switchyard::gateway
