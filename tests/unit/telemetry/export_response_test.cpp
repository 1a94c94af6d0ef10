#include "telemetry/export_response.hpp"

#include <gtest/gtest.h>

#include <string>

#include "telemetry/proto_writer.hpp"

namespace switchyard::telemetry {
namespace {

using namespace std::chrono_literals;

TEST(ExportResponse, OnlyTheOtlpRetryableStatusesAreRetried) {
  for (unsigned status : {200u, 202u, 204u})
    EXPECT_EQ(verdictForStatus(status), ExportVerdict::Success);
  for (unsigned status : {429u, 502u, 503u, 504u})
    EXPECT_EQ(verdictForStatus(status), ExportVerdict::Retry);
  for (unsigned status : {301u, 400u, 401u, 403u, 404u, 408u, 413u, 415u, 422u, 500u, 501u, 507u})
    EXPECT_EQ(verdictForStatus(status), ExportVerdict::Drop) << status;
}

TEST(ExportResponse, RetryAfter) {
  // Sun, 06 Nov 1994 08:49:37 GMT
  const auto now = std::chrono::system_clock::from_time_t(784111777);
  EXPECT_EQ(parseRetryAfter("5", now), 5000ms);
  EXPECT_EQ(parseRetryAfter(" 0 ", now), 0ms);
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now), 10000ms);
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), 0ms);  // in the past
  EXPECT_EQ(parseRetryAfter("99999999999999", now), std::chrono::milliseconds(24 * 3600 * 1000));
  EXPECT_FALSE(parseRetryAfter("", now));
  EXPECT_FALSE(parseRetryAfter("-1", now));
  EXPECT_FALSE(parseRetryAfter("1.5", now));
  EXPECT_FALSE(parseRetryAfter("soon", now));
  EXPECT_FALSE(parseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT trailing", now));
}

std::string partialSuccess(std::uint64_t rejected) {
  std::string body;
  ProtoWriter writer(body);
  writer.message(1, [&] {
    writer.varint(1, rejected);
    writer.string(2, "why");
  });
  return body;
}

TEST(ExportResponse, RejectedSpans) {
  EXPECT_EQ(rejectedSpans(""), 0);
  EXPECT_EQ(rejectedSpans(partialSuccess(7)), 7);
  EXPECT_EQ(rejectedSpans(partialSuccess(0)), 0);  // a warning only
  // An unknown field first, then partial_success.
  std::string body;
  ProtoWriter writer(body);
  writer.fixed64(9, 1);
  writer.string(10, "ignored");
  body += partialSuccess(3);
  EXPECT_EQ(rejectedSpans(body), 3);
}

TEST(ExportResponse, MalformedBodiesCountAsNothingRejected) {
  const std::string full = partialSuccess(300);
  for (std::size_t cut = 0; cut < full.size(); ++cut)
    EXPECT_EQ(rejectedSpans(std::string_view(full).substr(0, cut)), 0) << cut;
  EXPECT_EQ(rejectedSpans("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"), 0);
  EXPECT_EQ(rejectedSpans("\x0a\xff\xff\xff\xff\x0f"), 0);  // length beyond the body
  EXPECT_EQ(rejectedSpans("<html>502 Bad Gateway</html>"), 0);
  EXPECT_EQ(rejectedSpans(partialSuccess(~std::uint64_t{0})), 0);  // negative int64
}

}  // namespace
}  // namespace switchyard::telemetry
