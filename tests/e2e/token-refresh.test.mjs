// Short-lived tokens: the gateway refreshes ahead of expiry in the background, and no request fails
// or waits for a token while it does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir, writeFile } from './lib/harness.mjs';

const lifetimeSeconds = 8;
let emulator;
let gateway;

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir, args: ['--token-lifetime', String(lifetimeSeconds)] });
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/routes.yaml`, `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: gemini-2.5-flash}]}]
      backendRefs: [{name: emu}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: emu}
spec: {schema: {name: GCPVertexAI}, backendRef: {name: emu}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: emu}
spec: {endpoints: [{ip: {address: 127.0.0.1, port: ${emulator.port}}}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: emu}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: emu}]
  validation: {hostname: localhost, caCertificateRefs: [{kind: ConfigMap, name: ca}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ca}
data: {ca.crt: ${JSON.stringify(emulator.caPem)}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: emu}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1, credentialsFile: {secretRef: {name: sa}}}
`);
  gateway = await startGateway({
    args: ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
});

test('tokens are refreshed ahead of expiry without a failed request', async () => {
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const started = Date.now();
  let requests = 0;
  while (Date.now() - started < 2.5 * lifetimeSeconds * 1000) {
    const res = await client.chat.completions.create({
      model: 'gemini-2.5-flash', messages: [{ role: 'user', content: `tick ${requests}` }],
    });
    assert.equal(res.choices[0].finish_reason, 'stop');
    requests++;
    await new Promise((r) => setTimeout(r, 200));
  }
  const stats = await emulator.stats();
  // Over 2.5 lifetimes the token must have been renewed at least twice, and never once per request.
  assert.ok(stats.tokens_issued >= 3, `tokens issued: ${stats.tokens_issued}`);
  assert.ok(stats.tokens_issued < requests / 4, `tokens issued: ${stats.tokens_issued} for ${requests} requests`);
});
