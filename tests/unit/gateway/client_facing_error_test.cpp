// clientFacing: what a client is told of an error names no host, backend or policy and carries no
// credential; the error itself (for logs and traces) is left as it was.

#include <gtest/gtest.h>

#include "gateway/error_response.hpp"

namespace switchyard::gateway {
namespace {

using core::Error;
using core::ErrorKind;

TEST(ClientFacing, FailuresOnTheWayToABackendNameNothingInternal) {
  const Error errors[] = {
      Error::make(ErrorKind::UpstreamDns, "resolve vertex.corp.internal: Host not found"),
      Error::make(ErrorKind::UpstreamConnect, "connect to 10.1.2.3:443: refused"),
      Error::make(ErrorKind::UpstreamTls, "TLS handshake with 10.1.2.3:443 (server name x.corp)"),
      Error::make(ErrorKind::UpstreamReset, "connection to 10.1.2.3:443 closed"),
      Error::make(ErrorKind::UpstreamTimeout, "no data from 10.1.2.3:443 for 5000 ms"),
      Error::make(ErrorKind::UpstreamBadResponse, "response from 10.1.2.3:443 exceeds 10 bytes"),
      Error::make(ErrorKind::CredentialUnavailable, "no access token (policy ns/prod-policy)"),
  };
  for (const Error& error : errors) {
    const Error shown = clientFacing(error);
    EXPECT_EQ(shown.kind, error.kind);
    EXPECT_FALSE(shown.message.empty());
    for (const char* internal : {"10.1.2.3", "corp", "prod-policy", "ns/"})
      EXPECT_EQ(shown.message.find(internal), std::string::npos) << shown.message;
  }
}

TEST(ClientFacing, UpstreamTextKeepsItsWordsWithoutCredentials) {
  Error error = Error::upstream(403, "denied for Authorization: Bearer ya29.secret-token; retry",
                                "PERMISSION_DENIED");
  error.retryAfterSeconds = 3;
  const Error shown = clientFacing(error);
  EXPECT_EQ(shown.message, "denied for Authorization: [REDACTED]; retry");
  EXPECT_EQ(shown.upstreamStatus, 403u);
  EXPECT_EQ(shown.code, "PERMISSION_DENIED");
  EXPECT_EQ(shown.retryAfterSeconds, 3);
  EXPECT_NE(error.message.find("ya29.secret-token"), std::string::npos);  // the original stays
}

}  // namespace
}  // namespace switchyard::gateway
