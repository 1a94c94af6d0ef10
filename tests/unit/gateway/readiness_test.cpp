#include "gateway/readiness.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "auth/auth_thread.hpp"
#include "auth/fake_token_source.hpp"
#include "auth/token_cache.hpp"

namespace switchyard::gateway {
namespace {

using namespace std::chrono_literals;
using auth::testing::eventually;
using auth::testing::FakeTokenSource;

// One route `default/r` with one rule over the given backends, in order; each backend either has no
// credential, a credential that could not be loaded, or a token cache over its own fake source.
class ReadinessTest : public ::testing::Test {
 public:
  struct Backend {
    std::string name;
    enum class Kind { NoCredential, Broken, Tokens } kind = Kind::NoCredential;
  };

 protected:
  ReadinessTest() : clock_(std::chrono::system_clock::time_point(1'700'000'000s)) {}

  ~ReadinessTest() override {
    for (auto& source : sources_) source->release();
    runtime_.reset();
  }

  void build(const std::vector<Backend>& backends) {
    auto snapshot = std::make_shared<config::Snapshot>();
    config::Route route;
    route.name = "default/r";
    route.rules.emplace_back();
    runtime_ = std::make_shared<Runtime>();
    for (const auto& b : backends) {
      auto backend = std::make_shared<config::ServiceBackend>();
      backend->name = b.name;
      snapshot->backends.push_back(backend);
      config::BackendRef ref;
      ref.backend = backend;
      route.rules[0].backendRefs.push_back(ref);
      BackendRuntime rt;
      rt.config = backend;
      if (b.kind == Backend::Kind::Broken) {
        rt.credentialError = "service-account key of policy default/" + b.name + " is unusable";
      } else if (b.kind == Backend::Kind::Tokens) {
        auto source = std::make_shared<FakeTokenSource>(clock_);
        auth::TokenCacheOptions options;
        options.timerRefresh = false;
        auto cache = std::make_shared<auth::TokenCache>(source, auth_.executor(), clock_, options);
        sources_.push_back(source);
        caches_.push_back(cache);
        rt.tokens = cache;
      }
      runtime_->backends.emplace(backend.get(), std::move(rt));
    }
    snapshot->routes.push_back(std::move(route));
    runtime_->snapshot = std::move(snapshot);
  }

  // One fetch of cache `i` (as its refresh timer starts one), to its end.
  void fetch(std::size_t i) {
    auto& cache = *caches_[i];
    const auto ended = cache.failures() + cache.successes();
    cache.prefetch();
    ASSERT_TRUE(eventually([&] { return cache.failures() + cache.successes() > ended; }));
  }

  std::string notReady() { return credentialsNotReadyBecause(*runtime_); }

  core::ManualClock clock_;
  auth::AuthThread auth_;
  std::vector<std::shared_ptr<FakeTokenSource>> sources_;
  std::vector<std::shared_ptr<auth::TokenCache>> caches_;
  std::shared_ptr<Runtime> runtime_;
};

using Kind = ReadinessTest::Backend::Kind;

TEST_F(ReadinessTest, BackendsWithoutTokensAreAlwaysReady) {
  build({{"a", Kind::NoCredential}});
  EXPECT_EQ(notReady(), "");
}

TEST_F(ReadinessTest, NotReadyUntilTheFirstTokenNamingRouteRuleAndCredential) {
  build({{"a", Kind::Tokens}});
  EXPECT_EQ(notReady(),
            "no backend of route default/r rule 0 can get a credential: no access token obtained "
            "yet for fake credential (policy default/x)");
  sources_[0]->failWith("invalid_grant: account not found");
  fetch(0);
  EXPECT_EQ(notReady(),
            "no backend of route default/r rule 0 can get a credential: no access token for fake "
            "credential (policy default/x): invalid_grant: account not found");
  sources_[0]->answerWith([this](int) { return sources_[0]->token("T", 1h); });
  fetch(0);
  EXPECT_EQ(notReady(), "");
}

TEST_F(ReadinessTest, AFallbackThatCanSignKeepsTheRuleReady) {
  build({{"primary", Kind::Tokens}, {"fallback", Kind::NoCredential}});
  sources_[0]->failWith("refused");
  fetch(0);
  fetch(0);
  EXPECT_EQ(notReady(), "");
}

TEST_F(ReadinessTest, OneFailedFetchAfterATokenDoesNotFlipTwoDo) {
  build({{"a", Kind::Tokens}});
  fetch(0);
  ASSERT_EQ(notReady(), "");
  caches_[0]->invalidate();  // a 401 dropped the token
  sources_[0]->failWith("token endpoint: connection reset");
  fetch(0);
  EXPECT_EQ(notReady(), "") << "one transient failure";
  fetch(0);
  EXPECT_NE(notReady().find("connection reset"), std::string::npos) << "two in a row";
}

TEST_F(ReadinessTest, AnExpiredTokenWithFailingRefreshesIsNotReady) {
  build({{"a", Kind::Tokens}});
  fetch(0);
  sources_[0]->failWith("unreachable");
  fetch(0);  // a refresh ahead of expiry failed: the token is still usable
  fetch(0);
  EXPECT_EQ(notReady(), "");
  clock_.advance(1h);
  EXPECT_NE(notReady().find("unreachable"), std::string::npos);
}

TEST_F(ReadinessTest, ACredentialThatCouldNotBeLoadedIsNeverReady) {
  build({{"a", Kind::Broken}, {"b", Kind::Broken}});
  EXPECT_EQ(notReady(),
            "no backend of route default/r rule 0 can get a credential: service-account key of "
            "policy default/a is unusable; service-account key of policy default/b is unusable");
}

TEST(CredentialErrorsAdded, OnlyErrorsTheRunningConfigurationDoesNotHave) {
  auto backend = [](std::string error) {
    BackendRuntime rt;
    rt.credentialError = std::move(error);
    return rt;
  };
  config::ServiceBackend a, b;
  Runtime running;
  running.backends.emplace(&a, backend("key of policy default/a is unusable"));
  Runtime same;
  same.backends.emplace(&a, backend("key of policy default/a is unusable"));
  same.backends.emplace(&b, backend(""));
  EXPECT_TRUE(credentialErrorsAdded(same, &running).empty());
  Runtime worse;
  worse.backends.emplace(&a, backend("key of policy default/a is unusable"));
  worse.backends.emplace(&b, backend("key of policy default/b is unusable"));
  EXPECT_EQ(credentialErrorsAdded(worse, &running),
            std::vector<std::string>{"key of policy default/b is unusable"});
  EXPECT_EQ(credentialErrorsAdded(same, nullptr),
            std::vector<std::string>{"key of policy default/a is unusable"});
}

}  // namespace
}  // namespace switchyard::gateway
