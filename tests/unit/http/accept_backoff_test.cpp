#include "http/accept_backoff.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>

#include <cerrno>
#include <string>
#include <vector>

namespace switchyard::http {
namespace {

using std::chrono::milliseconds;

boost::system::error_code systemError(int e) { return {e, boost::system::system_category()}; }

TEST(AcceptBackoffTest, OutOfDescriptorsWaitsLongerEachTimeLogsOnceAndCounts) {
  std::vector<std::string> lines;
  const AcceptBackoff::Log log = [&](std::string_view line) { lines.emplace_back(line); };
  AcceptOutage outage;
  AcceptBackoff backoff(outage);
  std::vector<milliseconds> waits;
  for (int i = 0; i < 9; ++i) waits.push_back(backoff.onError(systemError(EMFILE), log));
  EXPECT_EQ(waits,
            (std::vector<milliseconds>{milliseconds(10), milliseconds(20), milliseconds(40),
                                       milliseconds(80), milliseconds(160), milliseconds(320),
                                       milliseconds(640), milliseconds(1000), milliseconds(1000)}));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("accepting connections failed"), std::string::npos) << lines[0];
  EXPECT_EQ(outage.errors(), 9u);

  backoff.onAccepted(log);  // the run is over: logged, and the next failure starts again
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("\"failed_accepts\":9"), std::string::npos) << lines[1];
  EXPECT_EQ(backoff.onError(systemError(ENFILE), log), milliseconds(10));
  EXPECT_EQ(lines.size(), 3u);
}

TEST(AcceptBackoffTest, AConnectionsOwnErrorNeedsNoWait) {
  std::vector<std::string> lines;
  const AcceptBackoff::Log log = [&](std::string_view line) { lines.emplace_back(line); };
  AcceptOutage outage;
  AcceptBackoff backoff(outage);
  EXPECT_EQ(backoff.onError(boost::asio::error::connection_aborted, log), milliseconds(0));
  EXPECT_TRUE(lines.empty());
  EXPECT_EQ(outage.errors(), 1u);
  backoff.onAccepted(log);
  EXPECT_TRUE(lines.empty());
}

// The shortage is the process's: with every worker failing, the outage is logged once when it
// starts and once when the first worker accepts again, with the failures of all of them.
TEST(AcceptBackoffTest, WorkersShareOneOutage) {
  std::vector<std::string> lines;
  const AcceptBackoff::Log log = [&](std::string_view line) { lines.emplace_back(line); };
  AcceptOutage outage;
  AcceptBackoff first(outage);
  AcceptBackoff second(outage);
  EXPECT_EQ(first.onError(systemError(EMFILE), log), milliseconds(10));
  EXPECT_EQ(second.onError(systemError(EMFILE), log), milliseconds(10));
  EXPECT_EQ(second.onError(systemError(EMFILE), log), milliseconds(20));
  ASSERT_EQ(lines.size(), 1u);

  second.onAccepted(log);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("\"failed_accepts\":3"), std::string::npos) << lines[1];
  first.onAccepted(log);  // the outage was over already
  EXPECT_EQ(lines.size(), 2u);
  EXPECT_EQ(outage.errors(), 3u);
}

}  // namespace
}  // namespace switchyard::http
