#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "auth/api_key_signer.hpp"
#include "auth/auth_thread.hpp"
#include "auth/gcp_signer.hpp"
#include "fake_token_source.hpp"

namespace switchyard::auth {
namespace {

using namespace std::chrono_literals;
using testing::runNow;

TEST(ApiKeySigner, SetsBearerAuthorization) {
  ApiKeySigner signer("sk-test-123", "API key (policy default/openai)");
  core::OutboundRequest request;
  request.headers.push_back({"authorization", "Bearer stale"});
  ASSERT_TRUE(runNow(signer.sign(request, "host.example")));
  EXPECT_EQ(core::findHeader(request.headers, "Authorization"), "Bearer sk-test-123");
  EXPECT_EQ(request.headers.size(), 1u);  // replaced, not added
}

TEST(ApiKeySigner, HeaderFormatIsConfigurable) {
  ApiKeySigner signer("AIza-test", "API key (policy default/vertex)", ApiKeyHeader::googApiKey());
  core::OutboundRequest request;
  ASSERT_TRUE(runNow(signer.sign(request, "host.example")));
  EXPECT_EQ(core::findHeader(request.headers, "x-goog-api-key"), "AIza-test");
  EXPECT_TRUE(core::findHeader(request.headers, "Authorization").empty());
}

TEST(ApiKeySigner, EmptyKeyNamesTheCredential) {
  ApiKeySigner signer("", "API key (policy default/openai)");
  core::OutboundRequest request;
  const auto result = runNow(signer.sign(request, "host.example"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::CredentialUnavailable);
  EXPECT_NE(result.error().message.find("policy default/openai"), std::string::npos);
  EXPECT_TRUE(request.headers.empty());
}

TEST(ApiKeySigner, SignsFromCacheUnlessTheKeyIsEmpty) {
  ApiKeySigner signer("sk-test-123", "API key (policy default/openai)");
  core::OutboundRequest request;
  ASSERT_TRUE(signer.signFromCache(request, "host.example"));
  EXPECT_EQ(core::findHeader(request.headers, "Authorization"), "Bearer sk-test-123");

  ApiKeySigner empty("", "API key (policy default/openai)");
  core::OutboundRequest unsigned_;
  EXPECT_FALSE(empty.signFromCache(unsigned_, "host.example"));  // sign() names the error
  EXPECT_TRUE(unsigned_.headers.empty());
}

class GcpSignerTest : public ::testing::Test {
 protected:
  GcpSignerTest() : clock_(std::chrono::system_clock::time_point(1'700'000'000s)) {
    source_ = std::make_shared<testing::FakeTokenSource>(clock_);
    TokenCacheOptions options;
    options.timerRefresh = false;
    cache_ = std::make_shared<TokenCache>(source_, auth_.executor(), clock_, options);
    signer_ = std::make_unique<GcpSigner>(cache_);
  }
  ~GcpSignerTest() override {
    signer_.reset();
    cache_.reset();
  }

  core::ManualClock clock_;
  AuthThread auth_;
  std::shared_ptr<testing::FakeTokenSource> source_;
  std::shared_ptr<TokenCache> cache_;
  std::unique_ptr<GcpSigner> signer_;
};

TEST_F(GcpSignerTest, SetsBearerTokenFromCache) {
  core::OutboundRequest request;
  ASSERT_TRUE(runNow(signer_->sign(request, "host.example")));
  EXPECT_EQ(core::findHeader(request.headers, "Authorization"), "Bearer T1");
  core::OutboundRequest second;
  ASSERT_TRUE(runNow(signer_->sign(second, "host.example")));
  EXPECT_EQ(core::findHeader(second.headers, "Authorization"), "Bearer T1");
  EXPECT_EQ(source_->calls(), 1);
}

TEST_F(GcpSignerTest, SignsFromCacheOnlyWithAUsableToken) {
  core::OutboundRequest request;
  EXPECT_FALSE(signer_->signFromCache(request, "host.example"));  // nothing fetched yet
  EXPECT_TRUE(request.headers.empty());
  EXPECT_EQ(source_->calls(), 0);  // and it does not start a fetch: sign() does

  ASSERT_TRUE(runNow(signer_->sign(request, "host.example")));
  core::OutboundRequest cached;
  ASSERT_TRUE(signer_->signFromCache(cached, "host.example"));
  EXPECT_EQ(core::findHeader(cached.headers, "Authorization"), "Bearer T1");

  signer_->onUnauthorized(cached);  // T1 refused: no longer usable
  core::OutboundRequest after;
  EXPECT_FALSE(signer_->signFromCache(after, "host.example"));
  ASSERT_TRUE(runNow(signer_->sign(after, "host.example")));
  EXPECT_EQ(core::findHeader(after.headers, "Authorization"), "Bearer T2");
  EXPECT_EQ(source_->calls(), 2);

  clock_.advance(std::chrono::hours(2));  // T2 (one hour) has expired
  core::OutboundRequest late;
  EXPECT_FALSE(signer_->signFromCache(late, "host.example"));
  EXPECT_TRUE(late.headers.empty());
}

TEST_F(GcpSignerTest, RejectedRequestForcesOneNewToken) {
  core::OutboundRequest first, second;
  ASSERT_TRUE(runNow(signer_->sign(first, "host.example")));
  ASSERT_TRUE(runNow(signer_->sign(second, "host.example")));
  signer_->onUnauthorized(first);   // 401 for T1
  signer_->onUnauthorized(second);  // another 401 for T1: no second refresh
  core::OutboundRequest retry;
  ASSERT_TRUE(runNow(signer_->sign(retry, "host.example")));
  EXPECT_EQ(core::findHeader(retry.headers, "Authorization"), "Bearer T2");
  signer_->onUnauthorized(first);  // late 401 for T1 does not drop T2
  ASSERT_TRUE(runNow(signer_->sign(retry, "host.example")));
  EXPECT_EQ(core::findHeader(retry.headers, "Authorization"), "Bearer T2");
  EXPECT_EQ(source_->calls(), 2);
}

TEST_F(GcpSignerTest, FailureIsCredentialUnavailableAndLeavesRequestUnsigned) {
  source_->failWith(
      "token endpoint https://oauth2.googleapis.com/token answered 400 invalid_grant");
  core::OutboundRequest request;
  const auto result = runNow(signer_->sign(request, "host.example"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::CredentialUnavailable);
  EXPECT_NE(result.error().message.find("fake credential (policy default/x)"), std::string::npos);
  EXPECT_NE(result.error().message.find("invalid_grant"), std::string::npos);
  EXPECT_TRUE(core::findHeader(request.headers, "Authorization").empty());
}

}  // namespace
}  // namespace switchyard::auth
