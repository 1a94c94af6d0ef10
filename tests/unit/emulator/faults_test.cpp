#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "emulator/faults.hpp"

namespace switchyard::emulator {
namespace {

TEST(FaultDirectives, NoDirectiveIsAnEmptyFault) {
  auto fault = parseFaultDirectives("hello world");
  ASSERT_TRUE(fault);
  EXPECT_TRUE(fault->empty());
}

TEST(FaultDirectives, ReadsEveryKey) {
  auto fault = parseFaultDirectives(
      "x [[emulator: status=429, retry_after=3, delay_ms=250, chunked_body, stream_pause_ms=40, "
      "stream_reset_after=2, stream_malformed_after=1]] y");
  ASSERT_TRUE(fault) << fault.error().message;
  EXPECT_EQ(fault->status, 429u);
  EXPECT_EQ(fault->retryAfterSeconds, 3);
  EXPECT_EQ(fault->delay.count(), 250);
  EXPECT_TRUE(fault->chunkedBody);
  EXPECT_EQ(fault->streamPause.count(), 40);
  EXPECT_EQ(fault->streamResetAfter, 2);
  EXPECT_EQ(fault->streamMalformedAfter, 1);
  EXPECT_FALSE(fault->hang);
  EXPECT_FALSE(fault->reset);
}

TEST(FaultDirectives, ErrorBodyKeys) {
  auto fault = parseFaultDirectives(
      "[[emulator: status=500, endless_body, body_pause_ms=100]] [[emulator: echo_headers]]");
  ASSERT_TRUE(fault) << fault.error().message;
  EXPECT_TRUE(fault->endlessBody);
  EXPECT_EQ(fault->bodyPause.count(), 100);
  EXPECT_TRUE(fault->echoHeaders);
  EXPECT_FALSE(fault->empty());
  auto alone = parseFaultDirectives("[[emulator: echo_headers]]");
  ASSERT_TRUE(alone);
  EXPECT_FALSE(alone->empty());
}

TEST(FaultDirectives, FlagsAndSeveralDirectivesMerge) {
  auto fault = parseFaultDirectives("[[emulator: hang]] and [[emulator:reset=true , delay_ms=5]]");
  ASSERT_TRUE(fault);
  EXPECT_TRUE(fault->hang);
  EXPECT_TRUE(fault->reset);
  EXPECT_EQ(fault->delay.count(), 5);
}

TEST(FaultDirectives, RejectsMistakes) {
  for (const char* text :
       {"[[emulator: stauts=429]]", "[[emulator: status=abc]]", "[[emulator: status=99]]",
        "[[emulator: delay_ms=-1]]", "[[emulator: hang=maybe]]", "[[emulator: status=500",
        "[[emulator: status]]"}) {
    auto fault = parseFaultDirectives(text);
    EXPECT_FALSE(fault) << text;
    if (!fault) {
      EXPECT_NE(fault.error().message.find("emulator fault"), std::string::npos);
    }
  }
}

TEST(FaultDirectives, StripRemovesDirectivesAndTheSpaceBefore) {
  EXPECT_EQ(stripFaultDirectives("hello [[emulator: status=500]]"), "hello");
  EXPECT_EQ(stripFaultDirectives("a [[emulator: hang]] b"), "a b");
  EXPECT_EQ(stripFaultDirectives("no directive"), "no directive");
  EXPECT_EQ(stripFaultDirectives("open [[emulator: x"), "open [[emulator: x");
}

TEST(FaultJson, ReadsTheSameKeys) {
  auto fault = parseFaultJson(
      boost::json::parse(R"({"status": 503, "retry_after": 2, "hang": false, "reset": true})"));
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->status, 503u);
  EXPECT_EQ(fault->retryAfterSeconds, 2);
  EXPECT_FALSE(fault->hang);
  EXPECT_TRUE(fault->reset);
  EXPECT_FALSE(parseFaultJson(boost::json::parse(R"({"status": [1]})")));
  EXPECT_FALSE(parseFaultJson(boost::json::parse(R"({"bogus": 1})")));
  EXPECT_FALSE(parseFaultJson(boost::json::parse(R"([])")));
}

TEST(FaultTable, CountsDownPerModelThenFallsBackToAny) {
  FaultTable table;
  Fault unavailable;
  unavailable.status = 503;
  Fault slow;
  slow.delay = std::chrono::milliseconds(10);
  table.add("gemini-2.5-flash", unavailable, 2);
  table.add("*", slow, -1);

  EXPECT_EQ(table.take("gemini-2.5-flash")->status, 503u);
  EXPECT_EQ(table.take("gemini-2.5-flash")->status, 503u);
  EXPECT_EQ(table.take("gemini-2.5-flash")->delay.count(), 10);  // own entries used up
  EXPECT_EQ(table.take("gemini-2.5-pro")->delay.count(), 10);
  EXPECT_FALSE(table.take("token")) << "the token endpoint only takes its own faults";
  table.clear();
  EXPECT_FALSE(table.take("gemini-2.5-pro"));
}

TEST(FaultTable, QueuesFaultsForOneTargetInOrder) {
  FaultTable table;
  Fault first, second;
  first.status = 429;
  second.status = 500;
  table.add("token", first, 1);
  table.add("token", second, 1);
  EXPECT_EQ(table.take("token")->status, 429u);
  EXPECT_EQ(table.take("token")->status, 500u);
  EXPECT_FALSE(table.take("token"));
}

}  // namespace
}  // namespace switchyard::emulator
