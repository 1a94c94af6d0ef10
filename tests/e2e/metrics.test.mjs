// Metrics end to end: a known mix of requests (unary, streamed, a 429, a fallback, an unknown model,
// a stream that breaks) through a two-worker gateway, then the admin /metrics parsed by an
// independent Prometheus text parser: every count and token sum equals what was sent and received.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startEmulator, startGateway, makeTempDir, writeFile, request } from './lib/harness.mjs';
import { emulatorManifest } from './lib/manifests.mjs';

let emulator;
let gateway;
let client;

// The emulator manifest plus a route `failover`: a priority-0 backend whose model always answers
// 503, then the emulator's ordinary backend `emu` at priority 1.
function manifests() {
  return `${emulatorManifest(emulator)}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: failover}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: failover}]}]
      backendRefs: [{name: primary, modelNameOverride: gemini-primary, priority: 0}, {name: emu, modelNameOverride: gemini-2.5-flash, priority: 1}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: primary}
spec: {schema: {name: GCPVertexAI}, backendRef: {name: emu}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp-primary}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: primary}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1, credentialsFile: {secretRef: {name: sa}}}
`;
}

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/routes.yaml`, manifests());
  gateway = await startGateway({
    args: ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`, '--workers', '2'],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
  await emulator.addFault({ model: 'gemini-primary', fault: { status: 503 }, count: -1 });
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
});

const ask = (model, content, extra = {}) => ({ model, messages: [{ role: 'user', content }], ...extra });

// The parser gives each family's HELP and TYPE, but flattens a histogram with labels into one
// series without them. So the text is parsed twice: as served (names, types), and without its TYPE
// lines, where every sample line (`x_bucket`, `x_sum`, `x_count` too) comes back with all its labels
// (as untyped families, one per run of lines with the same name).
async function scrape() {
  const res = await request(`${gateway.adminUrl}/metrics`);
  assert.equal(res.status, 200);
  const types = new Map(parsePrometheusTextFormat(res.body).map((f) => [f.name, f.type]));
  const samples = new Map();
  for (const family of parsePrometheusTextFormat(res.body.replace(/^# TYPE .*\n/gm, ''))) {
    const list = samples.get(family.name) ?? [];
    for (const m of family.metrics) list.push({ labels: m.labels ?? {}, value: Number(m.value) });
    samples.set(family.name, list);
  }
  return { contentType: res.headers['content-type'], types, samples };
}

const matches = (labels, wanted) => Object.entries(wanted).every(([k, v]) => labels[k] === v);
const picked = (scraped, name, wanted) => (scraped.samples.get(name) ?? []).filter((s) => matches(s.labels, wanted));
// Sum of a counter's (or gauge's) series whose labels include `wanted` (undefined: label absent).
function valueOf(scraped, name, wanted = {}) {
  return picked(scraped, name, wanted).reduce((sum, s) => sum + s.value, 0);
}
// Summed count and sum of a histogram's series whose labels include `wanted`.
function histogramOf(scraped, name, wanted = {}) {
  return { count: valueOf(scraped, `${name}_count`, wanted), sum: valueOf(scraped, `${name}_sum`, wanted) };
}
// A histogram's series: { labels, buckets: [[le, cumulative count]...] in text order, count }.
function histogramSeries(scraped, name) {
  const series = new Map();
  const keyOf = (labels) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'le').sort());
  for (const s of scraped.samples.get(`${name}_bucket`) ?? []) {
    const key = keyOf(s.labels);
    if (!series.has(key)) series.set(key, { labels: s.labels, buckets: [] });
    series.get(key).buckets.push([s.labels.le, s.value]);
  }
  for (const s of scraped.samples.get(`${name}_count`) ?? []) series.get(keyOf(s.labels)).count = s.value;
  return [...series.values()];
}

test('/metrics on a two-worker gateway counts exactly the requests that were sent', async () => {
  const model = 'gemini-2.5-flash';
  const usages = [];        // what the client was told, per answered request
  const responseModels = new Set();
  let clientSeconds = 0;    // wall time the client waited, an upper bound for the gateway's durations
  const timed = async (fn) => {
    const started = performance.now();
    try { return await fn(); } finally { clientSeconds += (performance.now() - started) / 1000; }
  };

  // 3 unary answers.
  for (const words of ['alpha beta', 'gamma delta epsilon', 'zeta']) {
    const res = await timed(() => client.chat.completions.create(ask(model, words)));
    usages.push(res.usage);
    responseModels.add(res.model);
  }
  // 2 streams, with the usage chunk.
  let streamedOutputTokens = [];
  for (const words of ['one two three four five six', 'seven eight']) {
    await timed(async () => {
      const stream = await client.chat.completions.create(ask(model, words, { stream: true, stream_options: { include_usage: true } }));
      let usage;
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage;
        responseModels.add(chunk.model);
      }
      usages.push(usage);
      streamedOutputTokens.push(usage.completion_tokens);
    });
  }
  // A 429 from the only backend: passed on, no fallback.
  await timed(() => assert.rejects(client.chat.completions.create(ask(model, 'x [[emulator: status=429]]')),
    (err) => err.status === 429));
  // A fallback: the priority-0 backend answers 503, the priority-1 backend answers.
  const fallback = await timed(() => client.chat.completions.create(ask('failover', 'fall back please')));
  usages.push(fallback.usage);
  // A model nobody serves.
  await timed(() => assert.rejects(client.chat.completions.create(ask('no-such-model', 'x')), (err) => err.status === 404));
  // A stream that breaks after its first events: an error for the metrics, with a first token.
  await timed(() => assert.rejects(async () => {
    const stream = await client.chat.completions.create(ask(model, 'one two three four five [[emulator: stream_reset_after=2]]', { stream: true }));
    for await (const chunk of stream) { /* drain */ }
  }));

  // Handlers record right after the response is out: wait for the last of them (bounded).
  let scraped;
  const deadline = Date.now() + 5000;
  for (;;) {
    scraped = await scrape();
    if (valueOf(scraped, 'switchyard_requests_total') >= 9 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const families = scraped;
  assert.equal(scraped.contentType, 'text/plain; version=0.0.4; charset=utf-8');

  // Responses by status.
  assert.equal(valueOf(families, 'switchyard_requests_total'), 9);
  assert.equal(valueOf(families, 'switchyard_requests_total', { code: '200' }), 7);  // the broken stream had begun
  assert.equal(valueOf(families, 'switchyard_requests_total', { code: '429' }), 1);
  assert.equal(valueOf(families, 'switchyard_requests_total', { code: '404' }), 1);

  // Request duration: one record per chat completion, by outcome.
  const duration = 'gen_ai_server_request_duration_seconds';
  const all = histogramOf(families, duration);
  assert.equal(all.count, 9);
  assert.ok(all.sum > 0 && all.sum <= clientSeconds, `gateway durations ${all.sum} s within the client's ${clientSeconds} s`);
  const ok = { gen_ai_operation_name: 'chat', gen_ai_provider_name: 'gcp.vertex_ai', error_type: undefined };
  assert.equal(histogramOf(families, duration, { ...ok, gen_ai_original_model: model, gen_ai_request_model: model }).count, 5);
  assert.equal(histogramOf(families, duration, { ...ok, gen_ai_original_model: 'failover', gen_ai_request_model: model }).count, 1);
  assert.equal(histogramOf(families, duration, { error_type: '429', gen_ai_original_model: model }).count, 1);
  assert.equal(histogramOf(families, duration, { error_type: 'model_not_found', gen_ai_original_model: '_OTHER' }).count, 1);
  assert.equal(histogramOf(families, duration, { error_type: 'upstream_reset', gen_ai_original_model: model }).count, 1);
  for (const s of picked(families, `${duration}_count`, { error_type: undefined })) {
    assert.ok(responseModels.has(s.labels.gen_ai_response_model), `response model ${s.labels.gen_ai_response_model} is what the client saw`);
  }

  // Tokens: the sums are what the client was told, one record per answered request and type.
  const tokens = 'gen_ai_client_token_usage';
  const input = histogramOf(families, tokens, { gen_ai_token_type: 'input' });
  const output = histogramOf(families, tokens, { gen_ai_token_type: 'output' });
  assert.equal(usages.length, 6);
  assert.equal(input.count, 6);
  assert.equal(output.count, 6);
  assert.equal(input.sum, usages.reduce((s, u) => s + u.prompt_tokens, 0));
  assert.equal(output.sum, usages.reduce((s, u) => s + u.completion_tokens, 0));
  assert.equal(histogramOf(families, tokens, { gen_ai_token_type: 'output', gen_ai_original_model: 'failover' }).sum,
    fallback.usage.completion_tokens);

  // Streams: time to first token for each stream that sent something (the broken one too), time
  // per output token for the complete ones with more than one output token.
  assert.equal(histogramOf(families, 'gen_ai_server_time_to_first_token_seconds').count, 3);
  assert.equal(histogramOf(families, 'gen_ai_server_time_to_first_token_seconds', { error_type: 'upstream_reset' }).count, 1);
  assert.equal(histogramOf(families, 'gen_ai_server_time_per_output_token_seconds').count,
    streamedOutputTokens.filter((n) => n > 1).length);
  assert.equal(valueOf(families, 'switchyard_open_streams'), 0);

  // Attempts and fallbacks by backend.
  const attempts = 'switchyard_upstream_attempts_total';
  assert.equal(valueOf(families, attempts, { backend: 'default/emu', outcome: 'ok' }), 6);
  assert.equal(valueOf(families, attempts, { backend: 'default/emu', outcome: 'status_429' }), 1);
  assert.equal(valueOf(families, attempts, { backend: 'default/emu', outcome: 'upstream_reset' }), 1);
  assert.equal(valueOf(families, attempts, { backend: 'default/primary', outcome: 'status_503' }), 1);
  assert.equal(valueOf(families, attempts), 9);
  assert.equal(valueOf(families, 'switchyard_fallbacks_total'), 1);
  assert.equal(valueOf(families, 'switchyard_fallbacks_total', { backend: 'default/emu' }), 1);
  assert.equal(valueOf(families, 'switchyard_ejections_total'), 0);

  // Connections: every attempt went out on an opened or a reused connection, and every opened one
  // shook hands over TLS.
  const upstream = `127.0.0.1:${emulator.port}`;
  const opened = valueOf(families, 'switchyard_upstream_connections_opened_total', { upstream });
  const reused = valueOf(families, 'switchyard_upstream_connections_reused_total', { upstream });
  assert.ok(opened >= 1);
  assert.ok(opened + reused >= 9, `${opened} opened + ${reused} reused for 9 attempts`);
  assert.equal(valueOf(families, 'switchyard_tls_handshakes_total', { upstream, outcome: 'ok' }), opened);
  assert.equal(valueOf(families, 'switchyard_tls_handshakes_total', { outcome: 'error' }), 0);
  assert.ok(valueOf(families, 'switchyard_token_fetches_total', { outcome: 'ok' }) >= 1);
  assert.equal(valueOf(families, 'switchyard_token_fetches_total', { outcome: 'error' }), 0);

  // Gateway overhead: one record per chat completion, never more than the durations.
  const overhead = histogramOf(families, 'switchyard_gateway_overhead_seconds');
  assert.equal(overhead.count, 9);
  assert.ok(overhead.sum >= 0 && overhead.sum <= all.sum, `overhead ${overhead.sum} s of ${all.sum} s`);
});

test('every family has its type, and every histogram is well formed: cumulative buckets ending in +Inf = count', async () => {
  const scraped = await scrape();
  const expected = {
    gen_ai_client_token_usage: 'HISTOGRAM',
    gen_ai_server_request_duration_seconds: 'HISTOGRAM',
    gen_ai_server_time_to_first_token_seconds: 'HISTOGRAM',
    gen_ai_server_time_per_output_token_seconds: 'HISTOGRAM',
    switchyard_gateway_overhead_seconds: 'HISTOGRAM',
    switchyard_requests_total: 'COUNTER',
    switchyard_upstream_attempts_total: 'COUNTER',
    switchyard_open_streams: 'GAUGE',
  };
  for (const [name, type] of Object.entries(expected)) assert.equal(scraped.types.get(name), type, name);
  for (const [name, type] of scraped.types) {
    if (type !== 'HISTOGRAM') continue;
    const series = histogramSeries(scraped, name);
    assert.ok(series.length > 0, name);
    for (const { labels, buckets, count } of series) {
      assert.equal(buckets.at(-1)[0], '+Inf', `${name} ends in +Inf`);
      assert.equal(buckets.at(-1)[1], count, `${name}${JSON.stringify(labels)} +Inf = count`);
      for (let i = 1; i < buckets.length; ++i) {
        assert.ok(buckets[i][1] >= buckets[i - 1][1], `${name} le=${buckets[i][0]} is cumulative`);
        if (i < buckets.length - 1) assert.ok(Number(buckets[i][0]) > Number(buckets[i - 1][0]), `${name} bounds ascend`);
      }
    }
  }
  // The GenAI histograms use docs/spec/wire.md §5.5's bucket boundaries.
  const [ttft] = histogramSeries(scraped, 'gen_ai_server_time_to_first_token_seconds');
  assert.deepEqual(ttft.buckets.map(([le]) => le),
    ['0.001', '0.005', '0.01', '0.02', '0.04', '0.06', '0.08', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf']);
});
