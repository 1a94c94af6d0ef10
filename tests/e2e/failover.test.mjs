// Fallback and resilience: every way a primary can fail is answered by the fallback with its own
// model, ejection stops traffic to a failing primary, weights split traffic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir, writeFile, makeSelfSignedCa, closedPort } from './lib/harness.mjs';
import { vertexBackend, modelRoute } from './lib/manifests.mjs';

let emulator;
let gateway;
let client;

// One virtual model per scenario, each with its own primary (ejection state is per backend).
const scenarios = ['dns', 'refused', 'tls', 's503', 's429', 's429ra', 'reset', 'hang', 'stream503', 'ejection'];

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  const otherCa = await makeSelfSignedCa(dir, 'other');
  const port = emulator.port;
  const refused = await closedPort();
  let yaml = `
apiVersion: v1
kind: ConfigMap
metadata: {name: emu-ca}
data: {ca.crt: ${JSON.stringify(emulator.caPem)}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other-ca}
data: {ca.crt: ${JSON.stringify(otherCa)}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp}
spec:
  targetRefs: [${['fallback', 'all-a', 'all-b', 'w-a', 'w-b', ...scenarios.map((s) => `p-${s}`)].map((n) => `{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: ${n}}`).join(', ')}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1, credentialsFile: {secretRef: {name: sa}}}
`;
  yaml += vertexBackend('fallback', { port, ca: 'emu-ca' });
  for (const s of scenarios) {
    if (s === 'dns') yaml += vertexBackend('p-dns', { fqdn: 'primary.broken.invalid', ca: 'emu-ca' });
    else if (s === 'refused') yaml += vertexBackend('p-refused', { port: refused, ca: 'emu-ca' });
    else if (s === 'tls') yaml += vertexBackend('p-tls', { port, ca: 'other-ca' });
    else yaml += vertexBackend(`p-${s}`, { port, ca: 'emu-ca' });
    yaml += modelRoute(`fo-${s}`, [
      { name: `p-${s}`, model: `gemini-primary-${s}`, priority: 0 },
      { name: 'fallback', model: 'gemini-2.5-flash', priority: 1 },
    ]);
  }
  yaml += `
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: fo-hang}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: fo-hang}]
  retry:
    numRetries: 2
    perRetry: {timeout: 500ms}
    retryOn: {triggers: [connect-failure, reset]}`;
  yaml += vertexBackend('all-a', { port, ca: 'emu-ca' }) + vertexBackend('all-b', { port, ca: 'emu-ca' });
  yaml += modelRoute('fo-all', [{ name: 'all-a', model: 'gemini-all-a', priority: 0 }, { name: 'all-b', model: 'gemini-all-b', priority: 1 }]);
  yaml += vertexBackend('w-a', { port, ca: 'emu-ca' }) + vertexBackend('w-b', { port, ca: 'emu-ca' });
  yaml += modelRoute('weighted', [{ name: 'w-a', model: 'gemini-weight-a', weight: 3 }, { name: 'w-b', model: 'gemini-weight-b', weight: 1 }]);

  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/routes.yaml`, yaml);
  gateway = await startGateway({
    args: ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });

  const always = -1;
  await emulator.addFault({ model: 'gemini-primary-s503', fault: { status: 503 }, count: always });
  await emulator.addFault({ model: 'gemini-primary-s429', fault: { status: 429 }, count: always });
  await emulator.addFault({ model: 'gemini-primary-s429ra', fault: { status: 429, retry_after: 30 }, count: always });
  await emulator.addFault({ model: 'gemini-primary-reset', fault: { reset: true }, count: always });
  await emulator.addFault({ model: 'gemini-primary-hang', fault: { hang: true }, count: always });
  await emulator.addFault({ model: 'gemini-primary-stream503', fault: { status: 503 }, count: always });
  await emulator.addFault({ model: 'gemini-all-a', fault: { status: 503 }, count: always });
  await emulator.addFault({ model: 'gemini-all-b', fault: { status: 503 }, count: always });
});

after(async () => {
  await emulator?.clearFaults().catch(() => {});
  await gateway?.stop();
  await emulator?.stop();
});

async function lastLog(model) {
  for (let i = 0; i < 100; i++) {
    const line = gateway.accessLog().filter((l) => l['gen_ai.request.model'] === model).at(-1);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no access log line for ${model}`);
}

const expectedOutcome = {
  dns: 'upstream_dns', refused: 'upstream_connect', tls: 'upstream_tls', s503: 'status_503',
  s429: 'status_429', s429ra: 'status_429', reset: 'upstream_reset', hang: 'upstream_timeout',
};

for (const [scenario, outcome] of Object.entries(expectedOutcome)) {
  test(`primary failing with ${outcome} is answered by the fallback`, async () => {
    const res = await client.chat.completions.create({ model: `fo-${scenario}`, messages: [{ role: 'user', content: `scenario ${scenario}` }] });
    assert.equal(res.model, 'gemini-2.5-flash');
    assert.match(res.choices[0].message.content, new RegExp(`scenario ${scenario}`));
    const log = await lastLog(`fo-${scenario}`);
    assert.deepEqual(log.attempts.map((a) => a.outcome).filter((o) => o !== 'ejected').slice(-2), [outcome, 'ok']);
  });
}

test('a stream whose primary fails before the first event is answered by the fallback', async () => {
  const stream = await client.chat.completions.create({ model: 'fo-stream503', stream: true, messages: [{ role: 'user', content: 'stream fallback' }] });
  let text = '';
  let model;
  for await (const chunk of stream) {
    model = chunk.model;
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  assert.equal(model, 'gemini-2.5-flash');
  assert.match(text, /stream fallback/);
});

test('when every backend fails the client gets a 503 envelope quickly', async () => {
  const started = Date.now();
  await assert.rejects(
    client.chat.completions.create({ model: 'fo-all', messages: [{ role: 'user', content: 'x' }] }),
    (err) => { assert.equal(err.status, 503); assert.ok(err.error?.message ?? err.message); return true; });
  assert.ok(Date.now() - started < 3000);
});

test('a failing primary is ejected, then re-admitted after it recovers', async () => {
  await emulator.addFault({ model: 'gemini-primary-ejection', fault: { status: 503 }, count: -1 });
  const ask = () => client.chat.completions.create({ model: 'fo-ejection', messages: [{ role: 'user', content: 'e' }] });
  for (let i = 0; i < 4; i++) assert.equal((await ask()).model, 'gemini-2.5-flash');
  const before = (await emulator.stats()).generate_requests['gemini-primary-ejection'] ?? 0;
  for (let i = 0; i < 10; i++) assert.equal((await ask()).model, 'gemini-2.5-flash');
  const after = (await emulator.stats()).generate_requests['gemini-primary-ejection'] ?? 0;
  assert.equal(after, before, 'no traffic reaches the ejected primary');
  // Lines from the two workers are flushed in batches, so count them rather than trust their order.
  let lines = [];
  for (let i = 0; i < 100 && lines.length < 14; i++) {
    lines = gateway.accessLog().filter((l) => l['gen_ai.request.model'] === 'fo-ejection');
    if (lines.length < 14) await new Promise((r) => setTimeout(r, 20));
  }
  const skipped = lines.filter((l) => l.attempts[0].outcome === 'ejected').length;
  assert.ok(skipped >= 10, `${skipped} of ${lines.length} requests skipped the ejected primary`);

  await emulator.clearFaults();
  let recovered = false;
  const deadline = Date.now() + 15000;
  while (!recovered && Date.now() < deadline) {
    recovered = (await ask()).model === 'gemini-primary-ejection';
    if (!recovered) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(recovered, 'the primary answers again after its ejection ends');
});

test('weights 3:1 split traffic inside a priority', async () => {
  const counts = { 'gemini-weight-a': 0, 'gemini-weight-b': 0 };
  const n = 400;
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(Array.from({ length: 20 }, () =>
      client.chat.completions.create({ model: 'weighted', messages: [{ role: 'user', content: 'w' }] })));
    for (const r of batch) counts[r.model]++;
  }
  const share = counts['gemini-weight-a'] / n;
  assert.ok(share > 0.68 && share < 0.82, `share of the weight-3 backend: ${share}`);
});
