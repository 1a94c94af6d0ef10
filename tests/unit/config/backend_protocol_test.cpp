// Which HTTP a Backend speaks: appProtocols h2c on plaintext, tls.alpnProtocols without h2 on TLS,
// and each of them on the wrong kind of Backend.

#include "load_helpers.hpp"

namespace switchyard::config {
namespace {

using testing::DiagnosticCase;
using testing::TempDir;

std::string setup(const std::string& backendSpec, bool tls) {
  std::string yaml = R"(apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: b}
spec: {schema: {name: OpenAI}, backendRef: {name: b}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: b}
spec:
  endpoints: [{ip: {address: 127.0.0.1, port: 8000}}]
)" + backendSpec;
  if (tls) {
    yaml += R"(---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: t}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: b}]
  validation: {hostname: localhost, wellKnownCACertificates: System}
)";
  }
  return yaml;
}

BackendHttp httpOf(const std::string& yaml) {
  TempDir dir;
  const auto result = testing::loadPaths({dir.write("b.yaml", yaml)});
  EXPECT_TRUE(result.ok()) << testing::allDiagnostics(result);
  if (!result.ok() || result.snapshot->backends.empty()) return BackendHttp::Auto;
  return result.snapshot->backends.front()->http;
}

TEST(BackendProtocolTest, AppProtocolsAndAlpnChooseTheHttp) {
  EXPECT_EQ(httpOf(setup("", false)), BackendHttp::Auto);
  EXPECT_EQ(httpOf(setup("", true)), BackendHttp::Auto);
  EXPECT_EQ(httpOf(setup("  appProtocols: [gateway.envoyproxy.io/h2c]\n", false)),
            BackendHttp::H2c);
  EXPECT_EQ(httpOf(setup("  tls: {alpnProtocols: [http/1.1]}\n", true)), BackendHttp::Http1);
  EXPECT_EQ(httpOf(setup("  tls: {alpnProtocols: []}\n", true)), BackendHttp::Http1);
  EXPECT_EQ(httpOf(setup("  tls: {alpnProtocols: [h2, http/1.1]}\n", true)), BackendHttp::Auto);
  // h2c on a TLS Backend: h2 by ALPN instead (a Warning).
  EXPECT_EQ(httpOf(setup("  appProtocols: [gateway.envoyproxy.io/h2c]\n", true)),
            BackendHttp::Auto);
}

class BackendProtocolDiagnosticTest : public ::testing::TestWithParam<DiagnosticCase> {};

TEST_P(BackendProtocolDiagnosticTest, ReportsAtTheField) { testing::expectDiagnostic(GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Cases, BackendProtocolDiagnosticTest,
    ::testing::Values(
        DiagnosticCase{"UnknownAppProtocol",
                       setup("  appProtocols:\n    - kubernetes.io/h2c\n", false), Severity::Error,
                       12, "Backend", "default/b", "spec.appProtocols[0]",
                       "unknown app protocol \"kubernetes.io/h2c\""},
        DiagnosticCase{"WebSocketNoted",
                       setup("  appProtocols:\n    - gateway.envoyproxy.io/ws\n", false),
                       Severity::Warning, 12, "Backend", "default/b", "spec.appProtocols[0]",
                       "proxies no WebSocket traffic"},
        DiagnosticCase{"H2cOnTls",
                       setup("  appProtocols:\n    - gateway.envoyproxy.io/h2c\n", true),
                       Severity::Warning, 12, "Backend", "default/b", "spec.appProtocols[0]",
                       "h2 is negotiated by ALPN instead"},
        DiagnosticCase{"AlpnOnPlaintext", setup("  tls:\n    alpnProtocols: [http/1.1]\n", false),
                       Severity::Warning, 12, "Backend", "default/b", "spec.tls.alpnProtocols",
                       "alpnProtocols is ignored"},
        DiagnosticCase{"BadAlpn", setup("  tls:\n    alpnProtocols:\n      - spdy/3\n", true),
                       Severity::Error, 13, "Backend", "default/b", "spec.tls.alpnProtocols[0]",
                       "unknown value \"spdy/3\""},
        DiagnosticCase{"OtherTlsFieldsNotRead",
                       setup("  tls:\n    insecureSkipVerify: true\n", true), Severity::Warning, 12,
                       "Backend", "default/b", "spec.tls.insecureSkipVerify",
                       "a Backend's TLS is set by BackendTLSPolicy"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace switchyard::config
