// The listener's TLS from a Gateway's HTTPS listener, its certificate Secret and a
// ClientTrafficPolicy's spec.tls: what is served, and every mistake at its file, line and field.

#include "../self_signed_certificate.hpp"
#include "load_helpers.hpp"

namespace switchyard::config {
namespace {

using testing::DiagnosticCase;
using testing::TempDir;

using TestCertificate = switchyard::testing::SelfSignedCertificate;

// A self-signed certificate for localhost, made in memory.
TestCertificate makeCertificate() {
  return switchyard::testing::makeSelfSignedCertificate("localhost");
}

// YAML flow scalars for PEM text: JSON strings are valid YAML.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out + "\"";
}

std::string gatewayYaml(const std::string& extraListeners = "") {
  return R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  listeners:
    - name: https
      protocol: HTTPS
      port: 443
      tls: {mode: Terminate, certificateRefs: [{name: cert}]}
)" + extraListeners;
}

std::string secretYaml(const std::string& cert, const std::string& key) {
  return "---\napiVersion: v1\nkind: Secret\nmetadata: {name: cert}\ntype: kubernetes.io/tls\n"
         "stringData:\n  tls.crt: " +
         quoted(cert) + "\n  tls.key: " + quoted(key) + "\n";
}

TEST(ListenerTlsTest, HttpsListenerServesItsCertificateWithPolicySettings) {
  const auto certificate = makeCertificate();
  TempDir dir;
  const auto file = dir.write(
      "gw.yaml", gatewayYaml() + secretYaml(certificate.certPem, certificate.keyPem) + R"(---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: tls}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  tls: {minVersion: "1.3", alpnProtocols: [http/1.1]}
)");
  const auto result = testing::loadPaths({file});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  const auto& tls = result.snapshot->listener.tls;
  ASSERT_TRUE(tls);
  EXPECT_NE(tls->context, nullptr);
  EXPECT_EQ(tls->gateway, "default/gw");
  EXPECT_EQ(tls->listener, "https");
  EXPECT_EQ(tls->secret, "default/cert");
  EXPECT_EQ(tls->clientPolicy, "default/tls");
  EXPECT_EQ(tls->minVersion, "1.3");
  EXPECT_EQ(tls->alpnProtocols, std::vector<std::string>{"http/1.1"});
  const auto table = describeRoutingTable(*result.snapshot);
  EXPECT_NE(table.find("listener TLS: Gateway default/gw listener https, certificate Secret "
                       "default/cert, TLS 1.3 to Auto, ALPN http/1.1"),
            std::string::npos)
      << table;
  EXPECT_EQ(table.find("PRIVATE KEY"), std::string::npos);
}

TEST(ListenerTlsTest, CertificateFromTheSecretsDirAndNoTlsWithoutHttps) {
  const auto certificate = makeCertificate();
  TempDir dir;
  dir.write("secrets/cert/tls.crt", certificate.certPem);
  dir.write("secrets/cert/tls.key", certificate.keyPem);
  const auto file = dir.write("gw.yaml", gatewayYaml());
  const auto result = testing::loadPaths({file}, (dir.path() / "secrets").string());
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  EXPECT_TRUE(result.snapshot->listener.tls);

  const auto plain = dir.write("plain.yaml", R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec: {listeners: [{name: http, protocol: HTTP, port: 80}]}
)");
  const auto plainResult = testing::loadPaths({plain});
  ASSERT_TRUE(plainResult.ok()) << testing::allDiagnostics(plainResult);
  EXPECT_FALSE(plainResult.snapshot->listener.tls);
  EXPECT_TRUE(plainResult.diagnostics.empty()) << testing::allDiagnostics(plainResult);
}

TEST(ListenerTlsTest, KeyOfAnotherCertificateIsAnErrorAtTheReference) {
  const auto one = makeCertificate();
  const auto two = makeCertificate();
  TempDir dir;
  const auto file = dir.write("gw.yaml", gatewayYaml() + secretYaml(one.certPem, two.keyPem));
  const auto result = testing::loadPaths({file});
  ASSERT_FALSE(result.ok());
  const auto* error = testing::findDiagnostic(result, "does not belong to the certificate");
  ASSERT_NE(error, nullptr) << testing::allDiagnostics(result);
  EXPECT_EQ(error->where.line, 9);
  EXPECT_EQ(error->where.field, "spec.listeners[0].tls.certificateRefs[0]");
  EXPECT_EQ(testing::allDiagnostics(result).find("PRIVATE KEY"), std::string::npos);
}

TEST(ListenerTlsTest, HttpListenerBesideHttpsIsNotServed) {
  const auto certificate = makeCertificate();
  TempDir dir;
  const auto file =
      dir.write("gw.yaml", gatewayYaml("    - {name: http, protocol: HTTP, port: 80}\n") +
                               secretYaml(certificate.certPem, certificate.keyPem));
  const auto result = testing::loadPaths({file});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  const auto* warning = testing::findDiagnostic(result, "not served: switchyard has one client");
  ASSERT_NE(warning, nullptr) << testing::allDiagnostics(result);
  EXPECT_EQ(warning->where.line, 10);
  EXPECT_EQ(warning->where.field, "spec.listeners[1]");
}

// Every HTTPS listener's certificates are served (chosen by SNI), each Secret once, in file order;
// a key that does not fit is an error at its own reference.
TEST(ListenerTlsTest, EveryHttpsListenersCertificatesAreServed) {
  const auto one = makeCertificate();
  const auto two = makeCertificate();
  const auto three = makeCertificate();
  auto secret = [](const std::string& name, const TestCertificate& c, const std::string& key) {
    return "---\napiVersion: v1\nkind: Secret\nmetadata: {name: " + name +
           "}\nstringData:\n  tls.crt: " + quoted(c.certPem) + "\n  tls.key: " + quoted(key) + "\n";
  };
  const std::string listeners = R"(    - name: api
      protocol: HTTPS
      hostname: api.example.test
      tls: {certificateRefs: [{name: two}, {name: cert}, {name: three}]}
)";
  TempDir dir;
  const auto file = dir.write("gw.yaml", gatewayYaml(listeners) + secret("cert", one, one.keyPem) +
                                             secret("two", two, two.keyPem) +
                                             secret("three", three, three.keyPem));
  const auto result = testing::loadPaths({file});
  ASSERT_TRUE(result.ok()) << testing::allDiagnostics(result);
  const auto& tls = result.snapshot->listener.tls;
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->secret, "default/cert");
  EXPECT_EQ(tls->secrets,
            (std::vector<std::string>{"default/cert", "default/two", "default/three"}));
  EXPECT_TRUE(result.diagnostics.empty()) << testing::allDiagnostics(result);
  const auto table = describeRoutingTable(*result.snapshot);
  EXPECT_NE(table.find("certificate Secret default/cert (by SNI also default/two, default/three), "
                       "TLS Auto to Auto"),
            std::string::npos)
      << table;

  const auto bad = dir.write("bad.yaml", gatewayYaml(listeners) + secret("cert", one, one.keyPem) +
                                             secret("two", two, two.keyPem) +
                                             secret("three", three, one.keyPem));
  const auto refused = testing::loadPaths({bad});
  ASSERT_FALSE(refused.ok());
  const auto* error = testing::findDiagnostic(refused, "Secret default/three: the private key");
  ASSERT_NE(error, nullptr) << testing::allDiagnostics(refused);
  EXPECT_EQ(error->where.field, "spec.listeners[1].tls.certificateRefs[2]");
}

class ListenerTlsDiagnosticTest : public ::testing::TestWithParam<DiagnosticCase> {};

TEST_P(ListenerTlsDiagnosticTest, ReportsAtTheField) { testing::expectDiagnostic(GetParam()); }

const std::string kPolicyHead = R"(apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: p}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
)";

INSTANTIATE_TEST_SUITE_P(
    Cases, ListenerTlsDiagnosticTest,
    ::testing::Values(
        DiagnosticCase{"SecretMissing", gatewayYaml(), Severity::Error, 9, "Gateway", "default/gw",
                       "spec.listeners[0].tls.certificateRefs[0]", "Secret default/cert not found"},
        DiagnosticCase{"NotPem", gatewayYaml() + secretYaml("SECRET-not-pem", "SECRET-not-pem"),
                       Severity::Error, 9, "Gateway", "default/gw",
                       "spec.listeners[0].tls.certificateRefs[0]",
                       "the certificate (tls.crt) is not a PEM certificate"},
        DiagnosticCase{"Passthrough",
                       R"(apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  listeners:
    - name: https
      protocol: HTTPS
      tls:
        mode: Passthrough
)",
                       Severity::Error, 9, "Gateway", "default/gw", "spec.listeners[0].tls.mode",
                       "mode Passthrough is not supported"},
        DiagnosticCase{"HttpsWithoutTls",
                       "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: "
                       "{name: gw}\nspec:\n  listeners:\n    - {name: https, protocol: HTTPS}\n",
                       Severity::Error, 6, "Gateway", "default/gw", "spec.listeners[0].tls",
                       "an HTTPS listener needs tls.certificateRefs[]"},
        DiagnosticCase{"CertificateRefNotSecret",
                       "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: "
                       "{name: gw}\nspec:\n  listeners:\n    - name: https\n      protocol: "
                       "HTTPS\n      tls:\n        certificateRefs:\n          - {kind: "
                       "ConfigMap, name: c}\n",
                       Severity::Error, 10, "Gateway", "default/gw",
                       "spec.listeners[0].tls.certificateRefs[0]",
                       "certificateRefs must reference a Secret"},
        DiagnosticCase{"TcpListenerSkipped",
                       "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: "
                       "{name: gw}\nspec:\n  listeners:\n    - name: tcp\n      protocol: TCP\n",
                       Severity::Warning, 7, "Gateway", "default/gw", "spec.listeners[0].protocol",
                       "protocol TCP is not served"},
        DiagnosticCase{"BadMinVersion", kPolicyHead + "  tls: {minVersion: \"1.4\"}\n",
                       Severity::Error, 6, "ClientTrafficPolicy", "default/p",
                       "spec.tls.minVersion", "unknown value \"1.4\""},
        DiagnosticCase{"BadAlpn", kPolicyHead + "  tls:\n    alpnProtocols:\n      - http/2\n",
                       Severity::Error, 8, "ClientTrafficPolicy", "default/p",
                       "spec.tls.alpnProtocols[0]", "unknown value \"http/2\""},
        DiagnosticCase{"ClientValidationRefused",
                       kPolicyHead + "  tls:\n    clientValidation: {caCertificateRefs: []}\n",
                       Severity::Error, 7, "ClientTrafficPolicy", "default/p",
                       "spec.tls.clientValidation",
                       "client certificate validation is not supported"},
        DiagnosticCase{"TlsWithoutHttpsListener", kPolicyHead + "  tls: {minVersion: \"1.3\"}\n",
                       Severity::Warning, 6, "ClientTrafficPolicy", "default/p", "spec.tls",
                       "no Gateway has an HTTPS listener"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace switchyard::config
