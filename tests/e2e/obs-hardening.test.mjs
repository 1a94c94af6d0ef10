// What a client sends cannot grow what the gateway reports: metric labels carry only model names the
// configuration spells out (others share `_OTHER`), and access-log fields copied from the request are
// cut at 1,024 bytes with a marker. Credentials: a reload that brings a key that cannot be used is
// refused, and /readyz says so when no backend of a rule can get a token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startEmulator, startGateway, makeTempDir, writeFile, request } from './lib/harness.mjs';
import { emulatorManifest, vertexBackend, writeEmulatorSetup } from './lib/manifests.mjs';

let emulator;
let gateway;

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  gateway = await startGateway({
    args: [...await writeEmulatorSetup(dir, emulator), '--workers', '2'],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
});

const chat = (model, headers = {}, path = '/v1/chat/completions') => request(`${gateway.url}${path}`, {
  method: 'POST',
  headers,
  body: { model, messages: [{ role: 'user', content: 'hi' }] },
  timeoutMs: 60000,
});

// The scrape's size in bytes, and its samples with their labels once it is small enough to parse.
async function scrape() {
  const res = await request(`${gateway.adminUrl}/metrics`, { raw: true, timeoutMs: 60000 });
  assert.equal(res.status, 200);
  return res.body;
}

// Handlers record right after the response is out: wait until `count` requests are counted.
async function scrapeAfter(count) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const body = await scrape();
    const text = body.length < 4 << 20 ? body.toString('utf8') : '';
    const counted = [...text.matchAll(/^switchyard_requests_total\{[^}]*\} (\d+)$/gm)]
      .reduce((sum, m) => sum + Number(m[1]), 0);
    if (counted >= count || !text || Date.now() > deadline) return { bytes: body.length, text };
    await new Promise((r) => setTimeout(r, 20));
  }
}

function durationCounts(text) {
  const family = parsePrometheusTextFormat(text.replace(/^# TYPE .*\n/gm, ''))
    .filter((f) => f.name === 'gen_ai_server_request_duration_seconds_count');
  return family.flatMap((f) => f.metrics).map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
}

test('unknown model names, however long or many, share one label; the scrape stays small', async (t) => {
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const known = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(known.choices[0].finish_reason, 'stop');

  const huge = 'm'.repeat(10 << 20);  // 10 MiB, under the 50 MiB body limit
  assert.equal((await chat(huge)).status, 404);
  const names = Array.from({ length: 1000 }, (_, i) => `no-such-model-${i}-${'x'.repeat(100)}`);
  for (let i = 0; i < names.length; i += 50) {
    const answers = await Promise.all(names.slice(i, i + 50).map((name) => chat(name)));
    for (const res of answers) assert.equal(res.status, 404);
  }

  const { bytes, text } = await scrapeAfter(1002);
  t.diagnostic(`scrape after 1,002 requests: ${bytes} bytes`);
  assert.ok(bytes < 64 * 1024, `the scrape is ${bytes} bytes`);
  const counts = durationCounts(text);
  const other = counts.filter((s) => s.labels.gen_ai_original_model === '_OTHER');
  assert.equal(other.reduce((sum, s) => sum + s.value, 0), 1001);
  for (const s of other) {
    assert.equal(s.labels.error_type, 'model_not_found');
    assert.equal(s.labels.gen_ai_request_model, '_OTHER');
  }
  const ok = counts.filter((s) => s.labels.gen_ai_original_model === 'gemini-2.5-flash');
  assert.equal(ok.reduce((sum, s) => sum + s.value, 0), 1);
  assert.equal(ok[0].labels.gen_ai_request_model, 'gemini-2.5-flash');
  assert.equal(ok[0].labels.gen_ai_response_model, known.model, 'the answer\'s model of a configured request keeps its label');
  // The labels were bounded by the gateway, not by the registry's backstop.
  assert.ok(!/switchyard_metric_overflow_total/.test(text), 'nothing overflowed');
});

test('access-log fields copied from the request are cut at 1,024 bytes and marked', async (t) => {
  const agent = `agent/${'a'.repeat(30000)}`;
  const path = `/v1/chat/completions?${'q'.repeat(30000)}`;
  const model = `long-${'m'.repeat(1 << 20)}`;
  const res = await chat(model, { 'user-agent': agent }, path);
  assert.equal(res.status, 404);

  const line = await gateway.process.waitForLine((l, stream) =>
    (stream === 'stdout' && l.includes('"response_code":404') && l.includes('"user-agent":"agent/') ? l : undefined), 10000);
  t.diagnostic(`access-log line: ${line.length} bytes`);
  assert.ok(line.length < 8 * 1024, `the line is ${line.length} bytes`);
  const entry = JSON.parse(line);
  assert.equal(entry['user-agent'], `${agent.slice(0, 1024)}...[truncated: ${agent.length} bytes]`);
  assert.equal(entry['x-envoy-origin-path'], `${path.slice(0, 1024)}...[truncated: ${path.length} bytes]`);
  assert.equal(entry['gen_ai.request.model'], `${model.slice(0, 1024)}...[truncated: ${model.length} bytes]`);
});

// ---------------------------------------------------------------------------------------------
// Credentials on reload, and readiness.

async function gatewayOn(dir, manifest) {
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/routes.yaml`, manifest ?? emulatorManifest(emulator));
  return startGateway({
    args: ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
}

async function readyz(gw, { until, timeoutMs = 15000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(`${gw.adminUrl}/readyz`);
    if (!until || res.status === until || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// SIGHUP, then the `n`th line of stderr that says how a reload ended.
async function reloadAndWait(gw, n) {
  const ended = (l) => l.includes('reload failed') || l.includes('configuration reloaded');
  gw.process.child.kill('SIGHUP');
  const deadline = Date.now() + 10000;
  for (;;) {
    const lines = gw.process.stderrLines.filter(ended);
    if (lines.length >= n) return lines[n - 1];
    if (Date.now() > deadline) throw new Error(`no end of reload ${n}\n${gw.process.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ask = (client, content) => client.chat.completions.create({
  model: 'gemini-2.5-flash', messages: [{ role: 'user', content }],
});

test('a reload with a service-account key that cannot be parsed is refused; the old one keeps serving', async () => {
  const dir = await makeTempDir();
  const gw = await gatewayOn(dir);
  try {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
    assert.match((await ask(client, 'before')).choices[0].message.content, /before/);
    assert.equal((await readyz(gw, { until: 200 })).status, 200);

    const key = `${dir}/secrets/sa/service_account.json`;
    const sa = emulator.serviceAccount;
    // Not JSON at all; then JSON with every field, but a private key that is no key.
    const corrupt = [
      emulator.serviceAccountJson.slice(0, 200),
      JSON.stringify({ ...sa, private_key: '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n' }),
    ];
    for (const [i, text] of corrupt.entries()) {
      await writeFile(key, text);
      const outcome = await reloadAndWait(gw, i + 1);
      assert.match(outcome, /reload failed; keeping the running configuration/, gw.process.output());
      assert.match((await ask(client, `after ${i}`)).choices[0].message.content, new RegExp(`after ${i}`));
      assert.equal((await readyz(gw)).status, 200);
    }
    const diagnostics = gw.process.stderrLines.filter((l) => l.includes('credential cannot be used'));
    assert.equal(diagnostics.length, 2, gw.process.output());
    for (const line of diagnostics) {
      assert.match(line, /policy default\/gcp/);
      assert.ok(!line.includes('PRIVATE KEY') && !line.includes(sa.private_key_id), 'no secret in the log');
    }
    const metrics = (await request(`${gw.adminUrl}/metrics`)).body;
    assert.match(metrics, /^switchyard_config_reloads_total\{outcome="error"\} 2$/m);

    // The good key again: the reload goes through.
    await writeFile(key, emulator.serviceAccountJson);
    assert.match(await reloadAndWait(gw, 3), /configuration reloaded/);
    assert.match((await ask(client, 'fixed')).choices[0].message.content, /fixed/);
  } finally {
    await gw.stop();
  }
});

test('/readyz names the policy whose token endpoint refuses it, and is ready again once a token is minted', async (t) => {
  const dir = await makeTempDir();
  const gw = await gatewayOn(dir);
  try {
    assert.equal((await readyz(gw, { until: 200 })).status, 200);
    // A key that parses (the same account, written differently, so a credential of its own) while
    // the token endpoint refuses every grant.
    await emulator.addFault({ model: 'token', fault: { status: 400 }, count: -1 });
    await writeFile(`${dir}/secrets/sa/service_account.json`, JSON.stringify(emulator.serviceAccount, null, 2));
    assert.match(await reloadAndWait(gw, 1), /configuration reloaded/);

    const unready = await readyz(gw, { until: 503 });
    assert.equal(unready.status, 503, unready.body);
    t.diagnostic(unready.body.trim());
    assert.match(unready.body, /^not ready: no backend of route default\/r rule 0 can get a credential: /);
    assert.match(unready.body, /policy default\/gcp/);
    assert.ok(!unready.body.includes('PRIVATE KEY') && !unready.body.includes(emulator.serviceAccount.private_key_id),
      'no secret in the reason');
    // The listener is not told: the reason is for the orchestrator, on the admin address only.
    assert.equal((await request(`${gw.url}/readyz`)).status, 404);

    await emulator.clearFaults();
    const ready = await readyz(gw, { until: 200, timeoutMs: 20000 });
    assert.equal(ready.status, 200, ready.body);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
    assert.match((await ask(client, 'minted')).choices[0].message.content, /minted/);
  } finally {
    await emulator.clearFaults();
    await gw.stop();
  }
});

test('a rule served through a fallback whose credential works stays ready', async () => {
  const dir = await makeTempDir();
  const stranger = { ...emulator.serviceAccount, client_email: 'stranger@p.iam.gserviceaccount.com' };
  await writeFile(`${dir}/secrets/stranger/service_account.json`, JSON.stringify(stranger));
  const manifest = `${emulatorManifest(emulator)}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: fo}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: fo}]}]
      backendRefs: [{name: primary, modelNameOverride: gemini-2.5-flash, priority: 0}, {name: emu, modelNameOverride: gemini-2.5-flash, priority: 1}]
${vertexBackend('primary', { port: emulator.port }).trim()}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: stranger}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: primary}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1, credentialsFile: {secretRef: {name: stranger}}}
`;
  const gw = await gatewayOn(dir, manifest);
  try {
    assert.equal((await readyz(gw, { until: 200 })).status, 200);
    // The primary's account is unknown to the token endpoint: wait until it failed twice in a row.
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      const metrics = (await request(`${gw.adminUrl}/metrics`)).body;
      const failed = Number(/^switchyard_token_fetches_total\{outcome="error"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
      if (failed >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await readyz(gw);
    assert.equal(res.status, 200, res.body);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'fo', messages: [{ role: 'user', content: 'via fallback' }] });
    assert.match(answer.choices[0].message.content, /via fallback/);
  } finally {
    await gw.stop();
  }
});

// ---------------------------------------------------------------------------------------------
// Spans: identifiers copied from the request are cut like the access log's fields.

test('span names and identifier attributes copied from the request are cut at 1,024 bytes', async () => {
  const { startOtlpReceiver, SpanKind } = await import('./lib/otlp-receiver.mjs');
  const receiver = await startOtlpReceiver();
  const dir = await makeTempDir();
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/routes.yaml`, emulatorManifest(emulator));
  const gw = await startGateway({
    args: ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`],
    env: {
      SSL_CERT_FILE: emulator.trustBundle,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      AI_GATEWAY_TRACING_SEMCONV: 'gen_ai',
    },
  });
  try {
    const model = `long-${'m'.repeat(1 << 20)}`;
    const session = `s-${'s'.repeat(30000)}`;
    const res = await request(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'agent-session-id': session },
      body: { model, messages: [{ role: 'user', content: 'hi' }] },
    });
    assert.equal(res.status, 404);
    const [span] = (await receiver.waitForSpans(1)).filter((s) => s.kind === SpanKind.SERVER);
    const cut = (text) => `${text.slice(0, 1024)}...[truncated: ${text.length} bytes]`;
    assert.equal(span.name, `chat ${cut(model)}`);
    assert.equal(span.attributes['gen_ai.request.model'], cut(model));
    assert.equal(span.attributes['session.id'], cut(session));
    assert.equal(span.attributes['gen_ai.conversation.id'], cut(session));
  } finally {
    await gw.stop();
    await receiver.close();
  }
});
