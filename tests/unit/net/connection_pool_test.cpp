#include "net/connection_pool.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <memory>
#include <vector>

namespace switchyard::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Connected loopback pairs: the pool holds the client end, the test holds the server end.
class ConnectionPoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<UpstreamConnection> connect() {
    tcp::socket client(ioc_);
    client.connect(acceptor_.local_endpoint());
    peers_.push_back(acceptor_.accept());
    return std::make_unique<UpstreamConnection>(std::move(client));
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_, {asio::ip::make_address("127.0.0.1"), 0}};
  std::vector<tcp::socket> peers_;
  const ConnectionPool::Clock::time_point t0_ = ConnectionPool::Clock::now();
  const PoolKeyView key_{"127.0.0.1", 443, true, "upstream.test", "CA"};
};

TEST_F(ConnectionPoolTest, ReturnsMostRecentlyUsedForTheSameKeyOnly) {
  ConnectionPool pool(64, 60s);
  auto first = connect();
  auto second = connect();
  auto* secondRaw = second.get();
  pool.checkin(key_, std::move(first), t0_);
  pool.checkin(key_, std::move(second), t0_ + 1s);

  PoolKeyView otherTrust = key_;
  otherTrust.caPem = "another CA";
  EXPECT_EQ(pool.checkout(otherTrust, t0_ + 2s), nullptr);
  PoolKeyView otherName = key_;
  otherName.serverName = "other.test";
  EXPECT_EQ(pool.checkout(otherName, t0_ + 2s), nullptr);

  // Same identity in other string storage still matches.
  const std::string host = "127.0.0.1", name = "upstream.test", ca = "CA";
  EXPECT_EQ(pool.checkout({host, 443, true, name, ca}, t0_ + 2s).get(), secondRaw);
  EXPECT_EQ(pool.idleCount(), 1u);
}

TEST_F(ConnectionPoolTest, IdleTimeoutExpiresConnections) {
  ConnectionPool pool(64, 60s);
  pool.checkin(key_, connect(), t0_);
  pool.checkin(key_, connect(), t0_ + 30s);
  EXPECT_NE(pool.checkout(key_, t0_ + 61s), nullptr);  // the 30 s one is still fresh
  EXPECT_EQ(pool.checkout(key_, t0_ + 61s), nullptr);  // the first expired
  EXPECT_EQ(pool.idleCount(), 0u);
}

TEST_F(ConnectionPoolTest, SweepClosesExpiredOnes) {
  ConnectionPool pool(64, 60s);
  pool.checkin(key_, connect(), t0_);
  pool.checkin(key_, connect(), t0_ + 50s);
  pool.sweep(t0_ + 70s);
  EXPECT_EQ(pool.idleCount(), 1u);
  char byte;
  boost::system::error_code ec;
  peers_[0].read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);  // the pool really closed it
}

TEST_F(ConnectionPoolTest, CapDropsTheOldest) {
  ConnectionPool pool(2, 60s);
  for (int i = 0; i < 3; ++i) pool.checkin(key_, connect(), t0_ + std::chrono::seconds(i));
  EXPECT_EQ(pool.idleCount(), 2u);
  char byte;
  boost::system::error_code ec;
  peers_[0].read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

TEST_F(ConnectionPoolTest, PeerClosedOrChattyConnectionsAreNotHandedOut) {
  ConnectionPool pool(64, 60s);
  pool.checkin(key_, connect(), t0_);
  pool.checkin(key_, connect(), t0_);
  pool.checkin(key_, connect(), t0_);
  peers_[2].close();                                // newest: peer closed
  asio::write(peers_[1], asio::buffer("junk", 4));  // next: unsolicited bytes
  auto connection = pool.checkout(key_, t0_ + 1s);
  ASSERT_NE(connection, nullptr);
  EXPECT_FALSE(connection->unusable());
  EXPECT_EQ(pool.idleCount(), 0u);
}

TEST_F(ConnectionPoolTest, BrieflyIdleConnectionIsNotPeekedAt) {
  // The client's stale-connection retry covers a peer that closed it this soon; no syscall.
  ConnectionPool pool(64, 60s);
  pool.checkin(key_, connect(), t0_);
  peers_[0].close();
  auto connection = pool.checkout(key_, t0_ + 500ms);
  ASSERT_NE(connection, nullptr);
  EXPECT_TRUE(connection->unusable());
}

TEST_F(ConnectionPoolTest, BrieflyIdleConnectionWithLeftoversIsNotHandedOut) {
  ConnectionPool pool(64, 60s);
  auto connection = connect();
  connection->buffer().commit(
      asio::buffer_copy(connection->buffer().prepare(4), asio::buffer("junk", 4)));
  pool.checkin(key_, std::move(connection), t0_);
  EXPECT_EQ(pool.checkout(key_, t0_ + 500ms), nullptr);
  EXPECT_EQ(pool.idleCount(), 0u);
}

}  // namespace
}  // namespace switchyard::net
