#include "auth/token_cache.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>
#include <vector>

#include "auth/auth_thread.hpp"
#include "fake_token_source.hpp"

namespace switchyard::auth {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::eventually;
using testing::FakeTokenSource;
using testing::runNow;

class TokenCacheTest : public ::testing::Test {
 protected:
  TokenCacheTest() : clock_(std::chrono::system_clock::time_point(1'700'000'000s)) {
    source_ = std::make_shared<FakeTokenSource>(clock_);
  }

  void makeCache(TokenCacheOptions options = {}) {
    cache_ = std::make_unique<TokenCache>(source_, auth_.executor(), clock_, options);
  }

  static TokenCacheOptions noTimers() {
    TokenCacheOptions options;
    options.timerRefresh = false;
    return options;
  }

  void TearDown() override {
    source_->release();
    cache_.reset();
  }

  core::Result<AccessToken> get() { return runNow(cache_->get()); }

  core::ManualClock clock_;
  AuthThread auth_;
  std::shared_ptr<FakeTokenSource> source_;
  std::unique_ptr<TokenCache> cache_;
};

// Worker threads, each with its own io_context, like the gateway's.
class Workers {
 public:
  explicit Workers(int count) {
    for (int i = 0; i < count; ++i) {
      contexts_.push_back(std::make_unique<asio::io_context>(1));
      guards_.emplace_back(contexts_.back()->get_executor());
    }
    for (auto& context : contexts_) threads_.emplace_back([&context] { context->run(); });
  }
  ~Workers() {
    guards_.clear();
    for (auto& thread : threads_) thread.join();
  }
  asio::io_context& operator[](std::size_t i) { return *contexts_[i]; }
  std::size_t size() const { return contexts_.size(); }

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
};

TEST_F(TokenCacheTest, ValidTokenIsServedWithoutFetching) {
  makeCache(noTimers());
  auto first = get();
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->value, "T1");
  clock_.advance(30min);
  auto second = get();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->value, "T1");
  EXPECT_EQ(source_->calls(), 1);
  EXPECT_EQ(cache_->fetches(), 1u);
  EXPECT_EQ(cache_->failures(), 0u);
  EXPECT_EQ(cache_->describe(), "fake credential (policy default/x)");
}

TEST_F(TokenCacheTest, ConcurrentCallersOnTwoThreadsShareOneFetch) {
  makeCache(noTimers());
  source_->block();
  Workers workers(2);
  constexpr int kPerThread = 32;
  std::atomic<int> done{0}, gotT1{0}, onOwnThread{0};
  for (std::size_t w = 0; w < workers.size(); ++w) {
    for (int i = 0; i < kPerThread; ++i) {
      asio::io_context& ioc = workers[w];
      asio::co_spawn(
          ioc,
          [&, cache = cache_.get()]() -> asio::awaitable<void> {
            auto token = co_await cache->get();
            if (token && token->value == "T1") ++gotT1;
            if (ioc.get_executor().running_in_this_thread()) ++onOwnThread;
            ++done;
          },
          asio::detached);
    }
  }
  ASSERT_TRUE(eventually([&] { return cache_->waiters() == 2 * kPerThread; }));
  EXPECT_EQ(done.load(), 0);
  source_->release();
  ASSERT_TRUE(eventually([&] { return done.load() == 2 * kPerThread; }));
  EXPECT_EQ(source_->calls(), 1);
  EXPECT_EQ(gotT1.load(), 2 * kPerThread);
  EXPECT_EQ(onOwnThread.load(), 2 * kPerThread);  // resumed on the caller's executor
}

TEST_F(TokenCacheTest, InsideRefreshAheadRefreshesInBackgroundAndServesOldToken) {
  makeCache(noTimers());
  ASSERT_EQ(get()->value, "T1");
  clock_.advance(1h - 200s);  // 200 s left, refreshAhead is 300 s
  source_->block();
  auto during = get();  // returns although the fetch it started is held
  ASSERT_TRUE(during);
  EXPECT_EQ(during->value, "T1");
  ASSERT_TRUE(eventually([&] { return source_->calls() == 2; }));
  EXPECT_EQ(get()->value, "T1");  // a refresh in flight is not started twice
  EXPECT_EQ(cache_->waiters(), 0u);
  source_->release();
  ASSERT_TRUE(eventually([&] { return cache_->cached()->value == "T2"; }));
  EXPECT_EQ(get()->value, "T2");
  EXPECT_EQ(source_->calls(), 2);
}

TEST_F(TokenCacheTest, ExpiredTokenMakesCallersWaitForTheNewOne) {
  makeCache(noTimers());
  ASSERT_EQ(get()->value, "T1");
  clock_.advance(1h - 10s);  // inside the 30 s expiry margin: not usable any more
  source_->block();
  Workers workers(1);
  std::optional<core::Result<AccessToken>> result;
  std::atomic<bool> done{false};
  asio::co_spawn(
      workers[0],
      [&]() -> asio::awaitable<void> {
        result.emplace(co_await cache_->get());
        done = true;
      },
      asio::detached);
  ASSERT_TRUE(eventually([&] { return cache_->waiters() == 1; }));
  EXPECT_FALSE(done.load());
  source_->release();
  ASSERT_TRUE(eventually([&] { return done.load(); }));
  ASSERT_TRUE(*result);
  EXPECT_EQ((*result)->value, "T2");
}

TEST_F(TokenCacheTest, FailedRefreshKeepsOldTokenUntilExpiryThenNamesCredential) {
  makeCache(noTimers());
  ASSERT_EQ(get()->value, "T1");
  source_->failWith("token endpoint https://oauth2.example/token answered 503");
  clock_.advance(1h - 200s);
  EXPECT_EQ(get()->value, "T1");
  ASSERT_TRUE(eventually([&] { return cache_->failures() == 1; }));
  EXPECT_EQ(get()->value, "T1");  // within the 1 s backoff: no new attempt
  EXPECT_EQ(source_->calls(), 2);
  clock_.advance(2s);  // backoff over: the next get retries in the background
  EXPECT_EQ(get()->value, "T1");
  ASSERT_TRUE(eventually([&] { return cache_->failures() == 2; }));
  EXPECT_EQ(source_->calls(), 3);

  clock_.advance(200s);  // expired
  const auto expired = get();
  ASSERT_FALSE(expired);
  EXPECT_EQ(source_->calls(), 4);
  EXPECT_EQ(expired.error().kind, core::ErrorKind::CredentialUnavailable);
  const auto& message = expired.error().message;
  EXPECT_NE(message.find("fake credential (policy default/x)"), std::string::npos) << message;
  EXPECT_NE(message.find("answered 503"), std::string::npos) << message;
  EXPECT_EQ(message.find("T1"), std::string::npos) << message;  // never the token
}

TEST_F(TokenCacheTest, FailureWithoutTokenIsAnsweredAtOnceDuringBackoff) {
  makeCache(noTimers());
  source_->failWith("token endpoint answered 400 invalid_grant");
  EXPECT_FALSE(get());
  EXPECT_FALSE(get());  // held: same error, no second call
  EXPECT_EQ(source_->calls(), 1);
  clock_.advance(1100ms);
  EXPECT_FALSE(get());
  EXPECT_EQ(source_->calls(), 2);
  clock_.advance(1100ms);  // second failure doubled the backoff to 2 s
  EXPECT_FALSE(get());
  EXPECT_EQ(source_->calls(), 2);
  source_->answerWith([this](int call) { return source_->token("T" + std::to_string(call), 1h); });
  clock_.advance(1s);
  const auto recovered = get();
  ASSERT_TRUE(recovered);
  EXPECT_EQ(recovered->value, "T3");
  EXPECT_EQ(cache_->failures(), 2u);
}

TEST_F(TokenCacheTest, InvalidateDropsOnlyTheRejectedToken) {
  makeCache(noTimers());
  ASSERT_EQ(get()->value, "T1");
  cache_->invalidate("some-older-token");
  EXPECT_EQ(get()->value, "T1");
  cache_->invalidate("T1");
  EXPECT_EQ(get()->value, "T2");
  cache_->invalidate("T1");  // a late 401 for the old token costs nothing
  EXPECT_EQ(get()->value, "T2");
  cache_->invalidate();
  EXPECT_EQ(get()->value, "T3");
  EXPECT_EQ(source_->calls(), 3);
}

TEST_F(TokenCacheTest, TimerKeepsAnIdleTokenFresh) {
  makeCache();  // timers on
  source_->answerWith(
      [this](int call) { return source_->token("T" + std::to_string(call), 200ms); });
  cache_->prefetch();
  // Refresh is due half-way through a short lifetime, so the timer fetches again with no get().
  ASSERT_TRUE(eventually([&] { return source_->calls() >= 3; }));
}

TEST_F(TokenCacheTest, ShortLivedTokensDoNotRefreshOnEveryGet) {
  makeCache(noTimers());
  source_->answerWith(
      [this](int call) { return source_->token("T" + std::to_string(call), 240s); });
  ASSERT_EQ(get()->value, "T1");  // lifetime 240 s < refreshAhead: refresh at half-life instead
  EXPECT_EQ(get()->value, "T1");
  EXPECT_EQ(source_->calls(), 1);
}

TEST_F(TokenCacheTest, ThrowingSourceBecomesCredentialError) {
  makeCache(noTimers());
  source_->answerWith([](int) -> core::Result<AccessToken> { throw std::runtime_error("boom"); });
  const auto result = get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::CredentialUnavailable);
  EXPECT_NE(result.error().message.find("fake credential"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::auth
