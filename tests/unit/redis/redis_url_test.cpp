#include "redis/redis_url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace switchyard::redis {
namespace {

struct GoodCase {
  std::string url;
  std::string host;
  std::uint16_t port;
  std::uint32_t db;
  std::string username;
  std::string password;
};

TEST(RedisUrlTest, ReadsEachPartAndFillsTheDefaults) {
  const GoodCase cases[] = {
      {"redis://cache", "cache", 6379, 0, "", ""},
      {"redis://cache:6380", "cache", 6380, 0, "", ""},
      {"redis://cache:6380/", "cache", 6380, 0, "", ""},
      {"redis://cache/3", "cache", 6379, 3, "", ""},
      {"redis://10.0.0.7:7000/15", "10.0.0.7", 7000, 15, "", ""},
      {"redis://[::1]:6390/2", "::1", 6390, 2, "", ""},
      {"redis://:s3cret@cache:6379/0", "cache", 6379, 0, "", "s3cret"},
      {"redis://alice:s3cret@cache:6379/1", "cache", 6379, 1, "alice", "s3cret"},
      {"REDIS://cache", "cache", 6379, 0, "", ""},
      // Reserved characters in the password are percent-encoded.
      {"redis://alice:p%40ss%2Fw%3Ard@cache", "cache", 6379, 0, "alice", "p@ss/w:rd"},
      {"redis://redis.ai-gateway.svc.cluster.local:6379", "redis.ai-gateway.svc.cluster.local",
       6379, 0, "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    auto url = RedisUrl::parse(c.url);
    ASSERT_TRUE(url) << url.error().message;
    EXPECT_EQ(url->host, c.host);
    EXPECT_EQ(url->port, c.port);
    EXPECT_EQ(url->db, c.db);
    EXPECT_EQ(url->username, c.username);
    EXPECT_EQ(url->password, c.password);
  }
}

struct BadCase {
  std::string url;
  std::string says;  // part of the error message
};

TEST(RedisUrlTest, RefusesWhatItCannotServeAndNeverQuotesThePassword) {
  const BadCase cases[] = {
      {"rediss://:hunter2@cache:6380", "TLS"},
      {"http://:hunter2@cache", "the scheme must be redis://, not http://"},
      {"unix:///run/redis.sock", "the scheme must be redis://"},
      {"cache:6379", "the scheme must be redis://"},
      {"hunter2", "no scheme"},
      {"redis://:hunter2@cache:0", "port"},
      {"redis://:hunter2@cache:65536", "port"},
      {"redis://:hunter2@cache:http", "port"},
      {"redis://:hunter2@cache/db0", "database number"},
      {"redis://:hunter2@cache/1/2", "database number"},
      {"redis://:hunter2@cache/-1", "database number"},
      {"redis://:hunter2@cache/4294967296", "database number"},
      {"redis://:hunter2@cache?db=1", "query"},
      {"redis://:hunter2@cache#x", "fragment"},
      {"redis://:hunter2@:6379", "no host"},
      {"redis://hunter2@cache", "a user name needs a password"},
      {"redis://alice:@cache", "the password is empty"},
      {"redis://:hun ter2@cache", "not a valid URL"},
      {"redis://:hunter2@ca che", "not a valid URL"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    auto url = RedisUrl::parse(c.url);
    ASSERT_FALSE(url);
    EXPECT_EQ(url.error().kind, core::ErrorKind::InvalidRequest);
    EXPECT_NE(url.error().message.find(c.says), std::string::npos) << url.error().message;
    EXPECT_EQ(url.error().message.find("hunter2"), std::string::npos) << url.error().message;
  }
}

TEST(RedisUrlTest, RedactedFormHidesThePassword) {
  EXPECT_EQ(RedisUrl::parse("redis://alice:hunter2@cache:6380/2")->redacted(),
            "redis://alice:***@cache:6380/2");
  EXPECT_EQ(RedisUrl::parse("redis://:hunter2@[::1]")->redacted(), "redis://:***@[::1]:6379/0");
  EXPECT_EQ(RedisUrl::parse("redis://cache")->redacted(), "redis://cache:6379/0");
}

}  // namespace
}  // namespace switchyard::redis
