#pragma once
// A TokenSource for cache tests: counts fetches, answers from a script, and can hold the auth
// thread inside fetch() until released (so a test decides when a fetch completes, without sleeps).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "auth/access_token.hpp"
#include "core/clock.hpp"

namespace switchyard::auth::testing {

class FakeTokenSource final : public TokenSource {
 public:
  using Answer = std::function<core::Result<AccessToken>(int call)>;

  explicit FakeTokenSource(const core::Clock& clock) : clock_(clock) {
    answer_ = [this](int call) { return token("T" + std::to_string(call), std::chrono::hours(1)); };
  }

  boost::asio::awaitable<core::Result<AccessToken>> fetch() override {
    const int call = ++calls_;
    Answer answer;
    {
      std::unique_lock lock(mutex_);
      released_.wait(lock, [this] { return !blocked_; });
      answer = answer_;
    }
    co_return answer(call);
  }

  std::string describe() const override { return "fake credential (policy default/x)"; }

  AccessToken token(std::string value, std::chrono::system_clock::duration lifetime) const {
    return AccessToken{std::move(value), clock_.now() + lifetime};
  }

  void answerWith(Answer answer) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(answer);
  }
  void failWith(std::string message) {
    answerWith([message](int) -> core::Result<AccessToken> {
      return core::Error::make(core::ErrorKind::CredentialUnavailable, message);
    });
  }
  void block() {
    std::lock_guard lock(mutex_);
    blocked_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      blocked_ = false;
    }
    released_.notify_all();
  }
  int calls() const { return calls_.load(); }

 private:
  const core::Clock& clock_;
  std::atomic<int> calls_{0};
  std::mutex mutex_;
  std::condition_variable released_;
  bool blocked_ = false;
  Answer answer_;
};

// Polls `condition` until it holds or 10 s pass (a guard against hanging, not a timing assertion).
template <class Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Runs one awaitable to completion on the calling thread.
template <class T>
T runNow(boost::asio::awaitable<T> awaitable) {
  boost::asio::io_context ioc;
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(ioc, std::move(awaitable), [&](std::exception_ptr e, T value) {
    error = e;
    out.emplace(std::move(value));
  });
  ioc.run();
  if (error) std::rethrow_exception(error);
  return std::move(*out);
}

}  // namespace switchyard::auth::testing
