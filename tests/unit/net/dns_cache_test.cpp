#include "net/dns_cache.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <optional>
#include <vector>

#include "run_awaitable.hpp"

namespace switchyard::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class DnsCacheTest : public ::testing::Test {
 protected:
  core::Result<DnsCache::Addresses> resolve(std::string_view host) {
    return testing::runAwaitable(ioc_, dns_.resolve(host));
  }

  asio::io_context ioc_;
  std::shared_ptr<core::ManualClock> clock_ =
      std::make_shared<core::ManualClock>(std::chrono::system_clock::now());
  DnsCache dns_{DnsCache::Options{}, clock_};
};

TEST_F(DnsCacheTest, IpLiteralsSkipDns) {
  auto v4 = resolve("127.0.0.1");
  ASSERT_TRUE(v4);
  ASSERT_EQ((*v4)->size(), 1u);
  EXPECT_EQ((*v4)->front().to_string(), "127.0.0.1");
  auto v6 = resolve("::1");
  ASSERT_TRUE(v6);
  EXPECT_TRUE((*v6)->front().is_v6());
  EXPECT_EQ(dns_.lookups(), 0u);
}

TEST_F(DnsCacheTest, AnswersAreCachedForThePositiveTtl) {
  auto first = resolve("localhost");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE((*first)->empty());
  ASSERT_TRUE(resolve("localhost"));
  EXPECT_EQ(dns_.lookups(), 1u);
  clock_->advance(29s);
  ASSERT_TRUE(resolve("localhost"));
  EXPECT_EQ(dns_.lookups(), 1u);
  clock_->advance(2s);
  ASSERT_TRUE(resolve("localhost"));
  EXPECT_EQ(dns_.lookups(), 2u);
}

TEST_F(DnsCacheTest, FailuresNameTheHostAndAreCachedBriefly) {
  auto failed = resolve("nonexistent.invalid");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, core::ErrorKind::UpstreamDns);
  EXPECT_NE(failed.error().message.find("nonexistent.invalid"), std::string::npos);
  EXPECT_FALSE(resolve("nonexistent.invalid"));
  EXPECT_EQ(dns_.lookups(), 1u);
  clock_->advance(3s);
  EXPECT_FALSE(resolve("nonexistent.invalid"));
  EXPECT_EQ(dns_.lookups(), 2u);
}

asio::awaitable<void> resolveInto(DnsCache& dns, std::string host,
                                  std::optional<core::Result<DnsCache::Addresses>>& out) {
  out.emplace(co_await dns.resolve(host));
}

TEST_F(DnsCacheTest, ConcurrentLookupsOfOneNameShareOneResolverCall) {
  std::vector<std::optional<core::Result<DnsCache::Addresses>>> results(5);
  for (auto& result : results)
    asio::co_spawn(ioc_, resolveInto(dns_, "localhost", result), asio::detached);
  ioc_.run();
  for (auto& result : results) {
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(*result);
  }
  EXPECT_EQ(dns_.lookups(), 1u);
}

TEST_F(DnsCacheTest, SharedAcrossThreads) {
  asio::io_context other;
  std::optional<core::Result<DnsCache::Addresses>> here, there;
  asio::co_spawn(ioc_, resolveInto(dns_, "localhost", here), asio::detached);
  asio::co_spawn(other, resolveInto(dns_, "localhost", there), asio::detached);
  std::thread thread([&] { other.run(); });
  ioc_.run();
  thread.join();
  ASSERT_TRUE(here && there);
  EXPECT_TRUE(*here);
  EXPECT_TRUE(*there);
  EXPECT_LE(dns_.lookups(), 2u);
}

}  // namespace
}  // namespace switchyard::net
