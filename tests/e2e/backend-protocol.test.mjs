// Which HTTP the gateway speaks to a Backend, said Envoy Gateway's way: `appProtocols:
// [gateway.envoyproxy.io/h2c]` gets plaintext HTTP/2 with prior knowledge, and a TLS Backend whose
// `tls.alpnProtocols` leaves out h2 stays on HTTP/1.1 (TLS Backends otherwise get h2 by ALPN).
// Told apart by what only one protocol can do: many concurrent requests on one connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startEmulator, startGateway, makeTempDir, writeFile, request } from './lib/harness.mjs';

let plain;    // emulator without TLS (h2c with prior knowledge, or HTTP/1.1)
let secure;   // emulator with TLS (h2 or http/1.1 by ALPN)
let gateway;
let client;

function backend(name, emulator, extraSpec, tls) {
  return `
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${name}}
spec: {schema: {name: GCPVertexAI}, backendRef: {name: ${name}}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: ${name}}
spec:
  endpoints: [{ip: {address: 127.0.0.1, port: ${emulator.port}}}]
${extraSpec}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: ${name}}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: ${name}}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1, credentialsFile: {secretRef: {name: sa-${name}}}}
${tls ? `---
apiVersion: v1
kind: ConfigMap
metadata: {name: ca-${name}}
data: {ca.crt: ${JSON.stringify(emulator.caPem)}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: ${name}}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: ${name}}]
  validation: {hostname: localhost, caCertificateRefs: [{kind: ConfigMap, name: ca-${name}}]}` : ''}`;
}

before(async () => {
  const dir = await makeTempDir();
  plain = await startEmulator({ dir, tls: false });
  secure = await startEmulator({ dir });
  await writeFile(`${dir}/secrets/sa-cleartext/service_account.json`, plain.serviceAccountJson);
  await writeFile(`${dir}/secrets/sa-http1/service_account.json`, secure.serviceAccountJson);
  await writeFile(`${dir}/routes.yaml`, `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: over-h2c}]}]
      backendRefs: [{name: cleartext, modelNameOverride: gemini-2.5-flash}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: over-http1}]}]
      backendRefs: [{name: http1, modelNameOverride: gemini-2.5-flash}]
${backend('cleartext', plain, '  appProtocols: [gateway.envoyproxy.io/h2c]', false)}
${backend('http1', secure, '  tls: {alpnProtocols: [http/1.1]}', true)}
`);
  gateway = await startGateway({
    args: ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`, '--workers', '1'],
    env: { SSL_CERT_FILE: secure.trustBundle },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
});

after(async () => {
  await gateway?.stop();
  await plain?.stop();
  await secure?.stop();
});

async function metric(name, wanted) {
  const res = await request(`${gateway.adminUrl}/metrics`);
  assert.equal(res.status, 200);
  const family = parsePrometheusTextFormat(res.body).find((f) => f.name === name);
  return (family?.metrics ?? [])
    .filter((m) => Object.entries(wanted).every(([k, v]) => (m.labels ?? {})[k] === v))
    .reduce((sum, m) => sum + Number(m.value), 0);
}

// `count` streams held open at once (each pauses after its first event), all completing.
async function concurrentStreams(model, count) {
  const answers = await Promise.all(Array.from({ length: count }, async (_, i) => {
    const stream = await client.chat.completions.create({
      model, stream: true, messages: [{ role: 'user', content: `held open ${i} [[emulator: stream_pause_ms=300]]` }],
    });
    let finish;
    for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
    return finish;
  }));
  for (const finish of answers) assert.equal(finish, 'stop');
}

test('appProtocols h2c: twelve concurrent streams share one plaintext HTTP/2 connection', async () => {
  await concurrentStreams('over-h2c', 12);
  const opened = await metric('switchyard_upstream_connections_opened_total', { upstream: `127.0.0.1:${plain.port}` });
  // HTTP/1.1 would need a connection per open stream; the token fetch may add one of its own.
  assert.ok(opened >= 1 && opened <= 2, `${opened} connections opened`);
  assert.equal((await plain.stats()).generate_requests_total, 12);
});

test('tls.alpnProtocols [http/1.1]: a TLS backend stays on HTTP/1.1, a connection per open stream', async () => {
  await concurrentStreams('over-http1', 12);
  const upstream = `127.0.0.1:${secure.port}`;
  const opened = await metric('switchyard_upstream_connections_opened_total', { upstream });
  assert.ok(opened >= 12, `${opened} connections opened`);
  assert.equal(await metric('switchyard_tls_handshakes_total', { upstream, outcome: 'ok' }), opened);
});
