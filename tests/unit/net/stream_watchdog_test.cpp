#include "net/stream_watchdog.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <thread>

#include "net/upstream_connection.hpp"

namespace switchyard::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class StreamWatchdogTest : public ::testing::Test {
 protected:
  StreamWatchdogTest() {
    tcp::socket client(ioc_);
    client.connect(acceptor_.local_endpoint());
    peer_ = acceptor_.accept();
    connection_ = std::make_unique<UpstreamConnection>(std::move(client));
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_, {asio::ip::make_address("127.0.0.1"), 0}};
  tcp::socket peer_{ioc_};
  std::unique_ptr<UpstreamConnection> connection_;
};

TEST_F(StreamWatchdogTest, ClosesTheConnectionWhenTimeRunsOut) {
  StreamWatchdog watchdog(ioc_.get_executor());
  watchdog.arm(*connection_, 10ms);
  ioc_.run();
  EXPECT_TRUE(watchdog.expired());
  EXPECT_FALSE(connection_->socket().is_open());
}

TEST_F(StreamWatchdogTest, DisarmedLeavesNothingPending) {
  StreamWatchdog watchdog(ioc_.get_executor());
  watchdog.arm(*connection_, 1h);
  watchdog.disarm();
  ioc_.run();  // returns: the cancelled wait was the only work
  EXPECT_FALSE(watchdog.expired());
  EXPECT_TRUE(connection_->socket().is_open());
}

TEST_F(StreamWatchdogTest, EachWaitHasItsOwnTimeout) {
  StreamWatchdog watchdog(ioc_.get_executor());
  watchdog.arm(*connection_, 1ms);
  watchdog.disarm();
  watchdog.arm(*connection_, 1h);  // the next piece's wait
  std::this_thread::sleep_for(20ms);
  ioc_.poll();
  EXPECT_FALSE(watchdog.expired());
  EXPECT_TRUE(connection_->socket().is_open());
  watchdog.disarm();
  ioc_.run();
}

TEST_F(StreamWatchdogTest, GoneBeforeItsCallbackRuns) {
  {
    StreamWatchdog watchdog(ioc_.get_executor());
    watchdog.arm(*connection_, 1ms);
    std::this_thread::sleep_for(5ms);
  }
  ioc_.run();
  EXPECT_TRUE(connection_->socket().is_open());
}

}  // namespace
}  // namespace switchyard::net
