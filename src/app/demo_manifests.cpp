#include "app/demo_manifests.hpp"

#include <sstream>

namespace switchyard::app {

namespace {

// Indents every line of a block for a YAML literal scalar.
std::string indentBlock(const std::string& text, const std::string& indent) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out += indent + line + "\n";
  return out;
}

}  // namespace

std::string renderDemoManifests(const DemoSetup& setup) {
  const std::string port = std::to_string(setup.emulatorPort);
  std::string y;
  y +=
      R"(# Switchyard demo: vertex-virtual-model → gemini-2.5-pro (priority 0, broken: its host does not
# resolve) with fallback to gemini-2.5-flash (priority 1, the built-in Vertex AI emulator over TLS).
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: vertex-fallback
  namespace: default
spec:
  rules:
    - matches:
        - headers:
            - type: Exact
              name: x-ai-eg-model
              value: vertex-virtual-model
      backendRefs:
        - name: vertex-pro
          modelNameOverride: gemini-2.5-pro
          priority: 0
        - name: vertex-flash
          modelNameOverride: gemini-2.5-flash
          priority: 1
    - matches:
        - headers:
            - type: Exact
              name: x-ai-eg-model
              value: gemini-2.5-flash
      backendRefs:
        - name: vertex-flash
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: vertex-pro
  namespace: default
spec:
  schema:
    name: GCPVertexAI
  backendRef:
    name: vertex-pro
    kind: Backend
    group: gateway.envoyproxy.io
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: vertex-flash
  namespace: default
spec:
  schema:
    name: GCPVertexAI
  backendRef:
    name: vertex-flash
    kind: Backend
    group: gateway.envoyproxy.io
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: vertex-pro
  namespace: default
spec:
  endpoints:
    - fqdn:
        hostname: us-central1-aiplatform.broken.invalid
        port: 443
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: vertex-flash
  namespace: default
spec:
  endpoints:
    - ip:
        address: 127.0.0.1
        port: )" +
      port + R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata:
  name: vertex-pro-tls
  namespace: default
spec:
  targetRefs:
    - group: gateway.envoyproxy.io
      kind: Backend
      name: vertex-pro
  validation:
    wellKnownCACertificates: System
    hostname: us-central1-aiplatform.broken.invalid
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata:
  name: vertex-flash-tls
  namespace: default
spec:
  targetRefs:
    - group: gateway.envoyproxy.io
      kind: Backend
      name: vertex-flash
  validation:
    hostname: localhost
    caCertificateRefs:
      - group: ""
        kind: ConfigMap
        name: demo-emulator-ca
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: demo-emulator-ca
  namespace: default
data:
  ca.crt: |
)" + indentBlock(setup.caPem, "    ") +
      R"(---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata:
  name: vertex-credentials
  namespace: default
spec:
  targetRefs:
    - group: aigateway.envoyproxy.io
      kind: AIServiceBackend
      name: vertex-pro
    - group: aigateway.envoyproxy.io
      kind: AIServiceBackend
      name: vertex-flash
  type: GCPCredentials
  gcpCredentials:
    projectName: switchyard-demo
    region: us-central1
    credentialsFile:
      secretRef:
        name: vertex-service-account
---
apiVersion: v1
kind: Secret
metadata:
  name: vertex-service-account
  namespace: default
stringData:
  service_account.json: |
)" + indentBlock(setup.serviceAccountJson, "    ");
  return y;
}

}  // namespace switchyard::app
