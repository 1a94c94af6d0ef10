#include "redis/redis_client.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <hiredis/hiredis.h>

#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "redis/window_counter.hpp"
#include "redis_server.hpp"

namespace switchyard::redis {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::RedisServer;
using testing::runUntil;

// Records what the client reports, as the rate limiter's metrics and logs will.
struct RecordingObserver : RedisObserver {
  void onConnected() override { ++connected; }
  void onDisconnected(std::string_view reason) override { reasons.emplace_back(reason); }
  void onConnectFailed(std::string_view reason) override { reasons.emplace_back(reason); }
  void onRoundTrip(std::chrono::steady_clock::duration roundTrip) override {
    ++roundTrips;
    EXPECT_GE(roundTrip.count(), 0);
  }
  void onFailure(RedisFailure failure) override { failures.push_back(failure); }

  int connected = 0;
  int roundTrips = 0;
  std::vector<std::string> reasons;
  std::vector<RedisFailure> failures;
};

RedisUrl urlOf(const std::string& text) {
  auto url = RedisUrl::parse(text);
  if (!url) throw std::runtime_error(url.error().message);
  return *url;
}

RedisUrl local(const RedisServer& server, std::string userinfo = "", int db = 0) {
  return urlOf("redis://" + userinfo + "127.0.0.1:" + std::to_string(server.port()) + "/" +
               std::to_string(db));
}

// Short delays, so that reconnecting takes a moment, and generous timeouts for a loaded machine.
RedisClientOptions testOptions() {
  RedisClientOptions options;
  options.commandTimeout = 2s;
  options.brokenAfter = 10s;
  options.connectTimeout = 2s;
  options.backoffFirst = 20ms;
  options.backoffMax = 100ms;
  return options;
}

class RedisClientTest : public ::testing::Test {
 protected:
  // As main() does: hiredis writes with write(2), and a server killed mid-write must not end us.
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }

  std::unique_ptr<RedisClient> connect(RedisUrl url, RedisClientOptions options = testOptions()) {
    auto client =
        std::make_unique<RedisClient>(ioc_.get_executor(), std::move(url), options, &observer_);
    EXPECT_TRUE(runUntil(ioc_, [&] { return client->connected(); })) << client->lastError();
    return client;
  }

  core::Result<std::uint64_t> increment(RedisClient& client, std::string_view key, std::uint64_t by,
                                        std::uint32_t ttl = 60) {
    std::optional<core::Result<std::uint64_t>> result;
    client.incrementWindow(key, by, ttl, [&](core::Result<std::uint64_t> r) { result = r; });
    EXPECT_TRUE(runUntil(ioc_, [&] { return result.has_value(); }));
    return result.value_or(core::Error::make(core::ErrorKind::Internal, "no answer"));
  }

  asio::io_context ioc_;  // first: outlives the clients
  RecordingObserver observer_;
};

class RedisServerTest : public RedisClientTest {
 protected:
  RedisServer server_;
};

TEST_F(RedisServerTest, CountsAndGivesAKeyItsExpiryOnlyWhenCreatingIt) {
  auto client = connect(local(server_));
  EXPECT_EQ(increment(*client, "w:1", 5, 100).value(), 5u);
  const auto ttl = server_.query({"TTL", "w:1"});
  EXPECT_GT(ttl.integer, 0);
  EXPECT_LE(ttl.integer, 100);

  // Later updates count on and leave the expiry alone, whatever ttl they carry.
  EXPECT_EQ(increment(*client, "w:1", 0, 5000).value(), 5u);
  EXPECT_EQ(increment(*client, "w:1", 3, 5000).value(), 8u);
  EXPECT_LE(server_.query({"TTL", "w:1"}).integer, 100);
  EXPECT_EQ(server_.query({"GET", "w:1"}).text, "8");

  // Reading a window that does not exist yet creates it at 0, with its expiry.
  EXPECT_EQ(increment(*client, "w:2", 0, 50).value(), 0u);
  const auto created = server_.query({"TTL", "w:2"});
  EXPECT_GT(created.integer, 0);
  EXPECT_LE(created.integer, 50);

  EXPECT_EQ(client->stats().commands, 4u);
  EXPECT_EQ(client->stats().answered, 4u);
  EXPECT_EQ(observer_.roundTrips, 4);
  EXPECT_EQ(observer_.connected, 1);
}

TEST_F(RedisServerTest, CountsSeveralWindowsInOneTransaction) {
  auto client = connect(local(server_));
  const WindowUpdate updates[] = {{"tenant:a", 2, 60}, {"model:m", 0, 30}, {"tenant:a", 3, 60}};
  std::optional<std::vector<std::uint64_t>> values;
  client->incrementWindows(updates, [&](core::Result<std::span<const std::uint64_t>> result) {
    ASSERT_TRUE(result) << result.error().message;
    values.emplace(result->begin(), result->end());
  });
  ASSERT_TRUE(runUntil(ioc_, [&] { return values.has_value(); }));
  EXPECT_EQ(*values, (std::vector<std::uint64_t>{2, 0, 5}));
  EXPECT_EQ(client->stats().commands, 1u);  // one transaction, one answer
  EXPECT_LE(server_.query({"TTL", "tenant:a"}).integer, 60);
  EXPECT_LE(server_.query({"TTL", "model:m"}).integer, 30);
  EXPECT_GT(server_.query({"TTL", "model:m"}).integer, 0);

  bool empty = false;
  client->incrementWindows({}, [&](core::Result<std::span<const std::uint64_t>> result) {
    empty = result && result->empty();
  });
  EXPECT_TRUE(runUntil(ioc_, [&] { return empty; }));
}

TEST_F(RedisServerTest, PipelinesManyCommandsOnOneConnectionAndAnswersInOrder) {
  auto client = connect(local(server_));
  constexpr int kCommands = 2000;
  std::vector<std::uint64_t> seen;
  for (int i = 0; i < kCommands; ++i) {
    client->incrementWindow("pipelined", 1, 60, [&](core::Result<std::uint64_t> result) {
      ASSERT_TRUE(result) << result.error().message;
      seen.push_back(*result);
    });
  }
  // All of them are on the wire before the first answer comes back.
  EXPECT_EQ(client->inFlight(), static_cast<std::size_t>(kCommands));
  ASSERT_TRUE(runUntil(ioc_, [&] { return seen.size() == kCommands; }));
  for (int i = 0; i < kCommands; ++i) ASSERT_EQ(seen[i], static_cast<std::uint64_t>(i + 1));
  EXPECT_EQ(client->inFlight(), 0u);
  EXPECT_EQ(client->stats().connects, 1u);
}

TEST_F(RedisServerTest, ResolvesAHostNameWithoutBlockingTheLoop) {
  auto client = connect(urlOf("redis://localhost:" + std::to_string(server_.port())));
  EXPECT_EQ(increment(*client, "by-name", 1).value(), 1u);
}

TEST_F(RedisServerTest, SelectsTheDatabaseOfTheUrl) {
  auto client = connect(local(server_, "", 3));
  EXPECT_EQ(increment(*client, "in-db-3", 7).value(), 7u);
  EXPECT_EQ(server_.query({"GET", "in-db-3"}, 3).text, "7");
  EXPECT_EQ(server_.query({"EXISTS", "in-db-3"}, 0).integer, 0);
}

TEST_F(RedisServerTest, ADatabaseTheServerLacksIsAClearError) {
  RedisClient client(ioc_.get_executor(), local(server_, "", 99), testOptions(), &observer_);
  ASSERT_TRUE(runUntil(ioc_, [&] { return client.stats().connectFailures > 0; }));
  EXPECT_FALSE(client.connected());
  EXPECT_NE(client.lastError().find("SELECT 99 failed"), std::string::npos) << client.lastError();
  EXPECT_NE(client.lastError().find("out of range"), std::string::npos) << client.lastError();
}

TEST_F(RedisServerTest, AnErrorFromRedisFailsThatCommandOnly) {
  server_.query({"SET", "not-a-number", "abc"});
  auto client = connect(local(server_));
  auto failed = increment(*client, "not-a-number", 1);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, core::ErrorKind::UpstreamBadResponse);
  EXPECT_NE(failed.error().message.find("not an integer"), std::string::npos)
      << failed.error().message;
  EXPECT_EQ(client->stats().failed(RedisFailure::ServerError), 1u);
  EXPECT_EQ(increment(*client, "a-number", 1).value(), 1u);
  EXPECT_TRUE(client->connected());
}

TEST_F(RedisServerTest, RefusesAnIncrementRedisCannotHold) {
  auto client = connect(local(server_));
  auto refused = increment(*client, "huge", std::uint64_t{1} << 63);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, core::ErrorKind::Internal);
  EXPECT_EQ(client->stats().commands, 0u);
  EXPECT_EQ(client->stats().failed(RedisFailure::InvalidArgument), 1u);
}

TEST_F(RedisServerTest, ServerKilledFailsCommandsThenTheClientReconnectsByItself) {
  auto client = connect(local(server_));
  EXPECT_EQ(increment(*client, "k", 1).value(), 1u);

  // Commands in flight when the server dies fail with the connection.
  server_.pause();
  std::vector<core::Result<std::uint64_t>> inFlight;
  for (int i = 0; i < 3; ++i)
    client->incrementWindow("k", 1, 60,
                            [&](core::Result<std::uint64_t> r) { inFlight.push_back(r); });
  ioc_.poll();  // written to the socket
  server_.kill();
  ASSERT_TRUE(runUntil(ioc_, [&] { return inFlight.size() == 3; }));
  for (const auto& result : inFlight) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, core::ErrorKind::UpstreamReset) << result.error().message;
  }
  EXPECT_FALSE(client->connected());
  EXPECT_EQ(client->stats().disconnects, 1u);
  EXPECT_EQ(observer_.reasons.size(), 1u);

  // While it is down, a command fails as soon as the loop turns, without waiting for a timeout.
  std::optional<core::Result<std::uint64_t>> fast;
  client->incrementWindow("k", 1, 60, [&](core::Result<std::uint64_t> r) { fast = r; });
  EXPECT_FALSE(fast.has_value());  // never inside the call
  ioc_.poll();
  ASSERT_TRUE(fast.has_value());
  ASSERT_FALSE(*fast);
  EXPECT_EQ(fast->error().kind, core::ErrorKind::UpstreamConnect);
  EXPECT_NE(fast->error().message.find("not connected"), std::string::npos);
  EXPECT_EQ(client->stats().failed(RedisFailure::NotConnected), 1u);

  // Back on the same port (empty: no persistence), counting resumes by itself.
  server_.start();
  ASSERT_TRUE(runUntil(ioc_, [&] { return client->connected(); })) << client->lastError();
  EXPECT_EQ(increment(*client, "k", 2).value(), 2u);
  EXPECT_EQ(client->stats().connects, 2u);
  EXPECT_EQ(observer_.connected, 2);
}

TEST_F(RedisServerTest, ACommandTimesOutWhileTheServerHangsAndTheConnectionStays) {
  auto options = testOptions();
  options.commandTimeout = 300ms;  // what a loaded test machine answers well within
  auto client = connect(local(server_), options);
  EXPECT_EQ(increment(*client, "slow", 1).value(), 1u);

  server_.pause();
  auto timedOut = increment(*client, "slow", 1);
  ASSERT_FALSE(timedOut);
  EXPECT_EQ(timedOut.error().kind, core::ErrorKind::UpstreamTimeout);
  EXPECT_EQ(client->stats().failed(RedisFailure::Timeout), 1u);
  EXPECT_TRUE(client->connected());
  EXPECT_EQ(client->inFlight(), 1u);  // the late answer is still owed

  server_.resume();
  ASSERT_TRUE(runUntil(ioc_, [&] { return client->inFlight() == 0; }));
  // The timed-out increment did reach Redis: the count includes it.
  EXPECT_EQ(increment(*client, "slow", 1).value(), 3u);
  EXPECT_EQ(client->stats().disconnects, 0u);
  EXPECT_EQ(client->stats().connects, 1u);
}

TEST_F(RedisServerTest, AConnectionThatStopsAnsweringIsReplaced) {
  auto options = testOptions();
  options.commandTimeout = 300ms;
  options.brokenAfter = 600ms;
  options.connectTimeout = 1s;
  auto client = connect(local(server_), options);

  server_.pause();
  auto timedOut = increment(*client, "hung", 1);
  ASSERT_FALSE(timedOut);
  EXPECT_EQ(timedOut.error().kind, core::ErrorKind::UpstreamTimeout);
  ASSERT_TRUE(runUntil(ioc_, [&] { return !client->connected(); }));
  EXPECT_NE(client->lastError().find("no answer for 600 ms"), std::string::npos)
      << client->lastError();
  EXPECT_EQ(client->inFlight(), 0u);

  server_.resume();
  ASSERT_TRUE(runUntil(ioc_, [&] { return client->connected(); })) << client->lastError();
  EXPECT_EQ(increment(*client, "hung", 1).value(), 2u);
}

TEST_F(RedisClientTest, ConnectingTimesOutOnAServerThatNeverAnswers) {
  // Listening, so TCP connects (the kernel accepts into the backlog), but nothing ever answers.
  asio::ip::tcp::acceptor silent(ioc_, {asio::ip::make_address("127.0.0.1"), 0});
  auto options = testOptions();
  options.connectTimeout = 100ms;
  RedisClient client(ioc_.get_executor(),
                     urlOf("redis://127.0.0.1:" + std::to_string(silent.local_endpoint().port())),
                     options, &observer_);
  ASSERT_TRUE(runUntil(ioc_, [&] { return client.stats().connectFailures >= 2; }));
  EXPECT_FALSE(client.connected());
  EXPECT_NE(client.lastError().find("timed out connecting after 100 ms"), std::string::npos)
      << client.lastError();

  std::optional<core::Result<std::uint64_t>> result;
  client.incrementWindow("k", 1, 60, [&](core::Result<std::uint64_t> r) { result = r; });
  ioc_.poll();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(*result);
  EXPECT_EQ(result->error().kind, core::ErrorKind::UpstreamConnect);
  EXPECT_NE(result->error().message.find("timed out connecting"), std::string::npos);
}

TEST_F(RedisClientTest, NothingListeningFailsEveryCommandAtOnceAndKeepsRetrying) {
  RedisClient client(ioc_.get_executor(),
                     urlOf("redis://127.0.0.1:" + std::to_string(testing::freePort())),
                     testOptions(), &observer_);
  ASSERT_TRUE(runUntil(ioc_, [&] { return client.stats().connectFailures >= 3; }));
  EXPECT_FALSE(client.connected());
  EXPECT_NE(client.lastError().find("refused"), std::string::npos) << client.lastError();

  int failed = 0;
  for (int i = 0; i < 100; ++i) {
    client.incrementWindow("k", 1, 60, [&](core::Result<std::uint64_t> r) {
      EXPECT_FALSE(r);
      ++failed;
    });
  }
  ioc_.poll();
  EXPECT_EQ(failed, 100);
  EXPECT_EQ(client.inFlight(), 0u);
  EXPECT_EQ(client.stats().commands, 0u);
}

TEST_F(RedisServerTest, BoundsTheCommandsWaitingForAnAnswer) {
  auto options = testOptions();
  options.maxInFlight = 5;
  auto client = connect(local(server_), options);
  server_.pause();
  std::vector<core::Result<std::uint64_t>> results;
  for (int i = 0; i < 6; ++i)
    client->incrementWindow("bounded", 1, 60,
                            [&](core::Result<std::uint64_t> r) { results.push_back(r); });
  ioc_.poll();
  ASSERT_EQ(results.size(), 1u);  // the sixth, refused at once
  ASSERT_FALSE(results[0]);
  EXPECT_EQ(client->stats().failed(RedisFailure::Overloaded), 1u);
  server_.resume();
  ASSERT_TRUE(runUntil(ioc_, [&] { return results.size() == 6; }));
  for (int i = 1; i < 6; ++i) EXPECT_EQ(results[i].value(), static_cast<std::uint64_t>(i));
}

TEST_F(RedisServerTest, DestroyedWithCommandsInFlightItCallsNothingBack) {
  auto client = connect(local(server_));
  server_.pause();
  int called = 0;
  for (int i = 0; i < 5; ++i)
    client->incrementWindow("abandoned", 1, 60, [&](core::Result<std::uint64_t>) { ++called; });
  ioc_.poll();
  EXPECT_EQ(client->inFlight(), 5u);
  client.reset();
  server_.resume();
  ioc_.restart();
  ioc_.poll();  // whatever was queued runs now, and finds nobody to call
  EXPECT_EQ(called, 0);

  // A failure already posted (not connected) is not delivered after destruction either.
  auto doomed = std::make_unique<RedisClient>(ioc_.get_executor(), urlOf("redis://127.0.0.1:1"),
                                              testOptions());
  doomed->incrementWindow("k", 1, 60, [&](core::Result<std::uint64_t>) { ++called; });
  doomed.reset();
  ioc_.restart();
  ioc_.poll();
  EXPECT_EQ(called, 0);
}

TEST_F(RedisServerTest, DestroyedAtAnyStepOfConnecting) {
  // Resolving, connecting, the handshake, ready: stop after each number of loop steps in turn.
  const auto url = urlOf("redis://localhost:" + std::to_string(server_.port()));
  for (int steps = 0; steps < 12; ++steps) {
    SCOPED_TRACE(steps);
    int called = 0;
    auto client = std::make_unique<RedisClient>(ioc_.get_executor(), url, testOptions());
    ioc_.restart();
    for (int i = 0; i < steps; ++i) {
      client->incrementWindow("step", 1, 60, [&](core::Result<std::uint64_t>) { ++called; });
      ioc_.run_one_for(100ms);
    }
    const int before = called;
    client.reset();
    ioc_.restart();
    ioc_.poll();
    EXPECT_EQ(called, before);
  }
}

TEST_F(RedisServerTest, DestroyedFromItsOwnCompletionHandler) {
  auto client = connect(local(server_));
  int called = 0;
  for (int i = 0; i < 10; ++i) {
    client->incrementWindow("reentrant", 1, 60, [&](core::Result<std::uint64_t> result) {
      ++called;
      EXPECT_TRUE(result);
      client.reset();  // the others are dropped, none is called
    });
  }
  ASSERT_TRUE(runUntil(ioc_, [&] { return client == nullptr; }));
  ioc_.restart();
  ioc_.poll();
  EXPECT_EQ(called, 1);
}

TEST_F(RedisServerTest, ACompletionHandlerMaySendTheNextCommand) {
  auto client = connect(local(server_));
  std::vector<std::uint64_t> seen;
  std::function<void(core::Result<std::uint64_t>)> next = [&](core::Result<std::uint64_t> r) {
    ASSERT_TRUE(r);
    seen.push_back(*r);
    if (seen.size() < 5) client->incrementWindow("chained", 1, 60, next);
  };
  client->incrementWindow("chained", 1, 60, next);
  ASSERT_TRUE(runUntil(ioc_, [&] { return seen.size() == 5; }));
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
}

class RedisAuthTest : public RedisClientTest {
 protected:
  void SetUp() override {
    server_.query({"ACL", "SETUSER", "alice", "on", ">alice-pw", "~*", "+@all"});
    // bob may do all but INCRBY: his transactions are refused when queued.
    server_.query({"ACL", "SETUSER", "bob", "on", ">bob-pw", "~*", "+@all", "-incrby"});
  }

  RedisServer server_{{"--requirepass", "default-pw"}, "default-pw"};
};

TEST_F(RedisAuthTest, LogsInWithUserAndPassword) {
  auto client = connect(local(server_, "alice:alice-pw@"));
  EXPECT_EQ(increment(*client, "alice-key", 4).value(), 4u);
  EXPECT_EQ(server_.query({"GET", "alice-key"}).text, "4");
}

TEST_F(RedisAuthTest, LogsInWithThePasswordAlone) {
  auto client = connect(local(server_, ":default-pw@"));
  EXPECT_EQ(increment(*client, "default-key", 1).value(), 1u);
}

TEST_F(RedisAuthTest, AWrongPasswordIsAClearErrorThatNeverShowsThePassword) {
  RedisClient client(ioc_.get_executor(), local(server_, "alice:hunter2-wrong@"), testOptions(),
                     &observer_);
  ASSERT_TRUE(runUntil(ioc_, [&] { return client.stats().connectFailures >= 2; }));
  EXPECT_FALSE(client.connected());
  EXPECT_NE(client.lastError().find("AUTH failed"), std::string::npos) << client.lastError();
  EXPECT_NE(client.lastError().find("WRONGPASS"), std::string::npos) << client.lastError();

  std::optional<core::Result<std::uint64_t>> result;
  client.incrementWindow("k", 1, 60, [&](core::Result<std::uint64_t> r) { result = r; });
  ASSERT_TRUE(runUntil(ioc_, [&] { return result.has_value(); }));
  ASSERT_FALSE(*result);
  EXPECT_NE(result->error().message.find("WRONGPASS"), std::string::npos);
  EXPECT_EQ(result->error().message.find("hunter2"), std::string::npos);
  EXPECT_EQ(client.lastError().find("hunter2"), std::string::npos);
  for (const auto& reason : observer_.reasons) EXPECT_EQ(reason.find("hunter2"), std::string::npos);
}

TEST_F(RedisAuthTest, NoPasswordForAServerThatWantsOneSaysSo) {
  RedisClient client(ioc_.get_executor(), local(server_), testOptions());
  ASSERT_TRUE(runUntil(ioc_, [&] { return client.stats().connectFailures >= 1; }));
  EXPECT_NE(client.lastError().find("NOAUTH"), std::string::npos) << client.lastError();
}

TEST_F(RedisAuthTest, ACommandTheUserMayNotRunNamesTheRefusal) {
  auto client = connect(local(server_, "bob:bob-pw@"));
  auto refused = increment(*client, "bob-key", 1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, core::ErrorKind::UpstreamBadResponse);
  EXPECT_NE(refused.error().message.find("NOPERM"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(client->connected());
}

}  // namespace
}  // namespace switchyard::redis
