// Manifests for end-to-end tests: the smallest Envoy AI Gateway setup that sends `models` to one
// emulator backend over verified TLS with service-account auth.
import { writeFile } from './harness.mjs';

// A plaintext emulator (no caPem) gets a Backend without a BackendTLSPolicy.
export function emulatorManifest(emulator, { models = ['gemini-2.5-flash'], streamIdleTimeout, requestTimeout } = {}) {
  const tls = Boolean(emulator.caPem);
  const timeouts = [
    streamIdleTimeout ? `      streamIdleTimeout: ${streamIdleTimeout}` : '',
    requestTimeout ? `      timeouts: {request: ${requestTimeout}}` : '',
  ].filter(Boolean).join('\n');
  return `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  rules:
    - matches: [${models.map((m) => `{headers: [{type: Exact, name: x-ai-eg-model, value: ${m}}]}`).join(', ')}]
      backendRefs: [{name: emu}]
${timeouts}
${vertexBackend('emu', { port: emulator.port, tls }).trim()}
---${tls ? `${caConfigMap(emulator)}---` : ''}${gcpCredentialsPolicy(['emu'])}`;
}

// ConfigMap `ca` holding the emulator's CA, which vertexBackend's BackendTLSPolicy trusts.
export function caConfigMap(emulator) {
  return `
apiVersion: v1
kind: ConfigMap
metadata: {name: ca}
data: {ca.crt: ${JSON.stringify(emulator.caPem)}}
`;
}

// BackendSecurityPolicy `gcp`: the service-account key in Secret `sa` for these AIServiceBackends.
export function gcpCredentialsPolicy(backends, { project = 'p', region = 'us-central1' } = {}) {
  const targets = backends.map((b) => `{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: ${b}}`);
  return `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp}
spec:
  targetRefs: [${targets.join(', ')}]
  type: GCPCredentials
  gcpCredentials: {projectName: ${project}, region: ${region}, credentialsFile: {secretRef: {name: sa}}}
`;
}

// Writes the manifest and the key (as --secrets-dir expects) under `dir`; returns the gateway args.
export async function writeEmulatorSetup(dir, emulator, options) {
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/routes.yaml`, emulatorManifest(emulator, options));
  return ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`];
}

// One GCPVertexAI AIServiceBackend with its Backend (an IP, or an FQDN on 443) and a BackendTLSPolicy
// trusting the CA in ConfigMap `ca` for `hostname` (default: the FQDN, else localhost). `tls: false`
// leaves the policy out (a backend that is never reached, such as a broken primary).
export function vertexBackend(name, { address = '127.0.0.1', port, fqdn, ca = 'ca', hostname, tls = true } = {}) {
  const endpoint = fqdn ? `{fqdn: {hostname: ${fqdn}, port: 443}}` : `{ip: {address: ${address}, port: ${port}}}`;
  const backend = `
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${name}}
spec: {schema: {name: GCPVertexAI}, backendRef: {name: ${name}}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: ${name}}
spec: {endpoints: [${endpoint}]}`;
  if (!tls) return backend;
  return `${backend}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: ${name}}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: ${name}}]
  validation: {hostname: ${hostname ?? fqdn ?? 'localhost'}, caCertificateRefs: [{kind: ConfigMap, name: ${ca}}]}`;
}

// An AIGatewayRoute for model `name` (the x-ai-eg-model header) to `refs`, each
// {name, model, priority, weight}: the backend, its modelNameOverride, and Envoy's defaults
// (priority 0, weight 1) when not given; `timeout` sets the rule's request timeout.
export function modelRoute(name, refs, { timeout } = {}) {
  const ref = (r) =>
    `{name: ${r.name}, modelNameOverride: ${JSON.stringify(r.model)}, priority: ${r.priority ?? 0}, weight: ${r.weight ?? 1}}`;
  return `
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: ${name}}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${name}}]}]
      backendRefs: [${refs.map(ref).join(', ')}]${timeout ? `
      timeouts: {request: ${timeout}}` : ''}`;
}
