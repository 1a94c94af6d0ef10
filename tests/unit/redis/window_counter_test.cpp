#include "redis/window_counter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchyard::redis {
namespace {

// EXEC answers built by hand, for the shapes a healthy server does not send.
redisReply integer(long long value) {
  redisReply reply{};
  reply.type = REDIS_REPLY_INTEGER;
  reply.integer = value;
  return reply;
}

redisReply status(std::string& text, int type = REDIS_REPLY_STATUS) {
  redisReply reply{};
  reply.type = type;
  reply.str = text.data();
  reply.len = text.size();
  return reply;
}

redisReply array(std::vector<redisReply*>& elements) {
  redisReply reply{};
  reply.type = REDIS_REPLY_ARRAY;
  reply.elements = elements.size();
  reply.element = elements.data();
  return reply;
}

TEST(WindowCounterTest, ReadsTheCountOfEachCounter) {
  std::string ok = "OK";
  redisReply created = status(ok), existed{}, seven = integer(7), zero = integer(0);
  existed.type = REDIS_REPLY_NIL;
  std::vector<redisReply*> elements = {&created, &seven, &existed, &zero};
  const redisReply exec = array(elements);
  std::vector<std::uint64_t> values;
  ASSERT_TRUE(readWindowReply(exec, 2, values));
  EXPECT_EQ(values, (std::vector<std::uint64_t>{7, 0}));
}

TEST(WindowCounterTest, RefusesWhatIsNotACountWithTheServersWords) {
  std::string ok = "OK", wrongType = "WRONGTYPE Operation against a key holding the wrong kind";
  redisReply set = status(ok), negative = integer(-3), error = status(wrongType, REDIS_REPLY_ERROR),
             text = status(ok, REDIS_REPLY_STRING), nil{};
  nil.type = REDIS_REPLY_NIL;
  std::vector<std::uint64_t> values;

  std::vector<redisReply*> negativeCount = {&set, &negative};
  auto result = readWindowReply(array(negativeCount), 1, values);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::UpstreamBadResponse);
  EXPECT_NE(result.error().message.find("negative"), std::string::npos);

  std::vector<redisReply*> errorCount = {&set, &error};
  result = readWindowReply(array(errorCount), 1, values);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("WRONGTYPE"), std::string::npos);

  std::vector<redisReply*> textCount = {&set, &text};
  EXPECT_FALSE(readWindowReply(array(textCount), 1, values));

  std::vector<redisReply*> tooFew = {&set};
  EXPECT_FALSE(readWindowReply(array(tooFew), 1, values));

  EXPECT_FALSE(readWindowReply(nil, 1, values));  // EXEC aborted without a reason
  EXPECT_FALSE(readWindowReply(error, 1, values));
}

}  // namespace
}  // namespace switchyard::redis
