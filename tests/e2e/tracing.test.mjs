// Tracing end to end: the gateway's OTLP/HTTP export decoded by an independent decoder (protobufjs,
// lib/otlp-receiver.mjs), checked the way Arize Phoenix reads it: the OpenInference request span,
// one child span per upstream attempt, W3C trace context in and out, redaction, a stream's folded
// output, and a dead or slow collector that costs no latency.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir, writeFile, closedPort, request, jsonLine } from './lib/harness.mjs';
import { startOtlpReceiver, SpanKind, StatusCode } from './lib/otlp-receiver.mjs';
import { vertexBackend } from './lib/manifests.mjs';

let dir;
let emulator;
let receiver;
let gateway;
let client;

// Two backends on the same emulator: `primary` asks for gemini-2.5-pro (faulted per test), the
// fallback for gemini-2.5-flash, as in the guide's virtual model. `limited-model` has a Global rate
// limit of 1 request an hour (no Redis here: counted in the process) charging the answer's tokens;
// `two-rules-model` has two: a per-team token budget charged after the answer, and 1 request an hour.
function manifest(emu) {
  const backend = (name) => vertexBackend(name, { port: emu.port });
  return `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: vertex-virtual-model}]}]
      backendRefs:
        - {name: primary, modelNameOverride: gemini-2.5-pro, priority: 0}
        - {name: fallback, modelNameOverride: gemini-2.5-flash, priority: 1}
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: gemini-2.5-flash}]}]
      backendRefs: [{name: fallback}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: gemini-broken}]}]
      backendRefs: [{name: fallback}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: embedder}]}]
      backendRefs: [{name: fallback, modelNameOverride: text-embedding-005}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ca}
data: {ca.crt: ${JSON.stringify(emu.caPem)}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: primary}, {group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: fallback}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1, credentialsFile: {secretRef: {name: sa}}}
${backend('primary')}${backend('fallback')}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: limited}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: limited-model}]}]
      backendRefs: [{name: fallback, modelNameOverride: gemini-2.5-flash}]
  llmRequestCosts: [{metadataKey: tokens, type: TotalToken}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: limited}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: limited}]
  rateLimit:
    type: Global
    global:
      rules:
        - limit: {requests: 1, unit: Hour}
          cost:
            request: {from: Number, number: 1}
            response: {from: Metadata, metadata: {namespace: io.envoy.ai_gateway, key: tokens}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: two-rules}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: two-rules-model}]}]
      backendRefs: [{name: fallback, modelNameOverride: gemini-2.5-flash}]
  llmRequestCosts: [{metadataKey: tokens, type: TotalToken}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: two-rules}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: two-rules}]
  rateLimit:
    type: Global
    global:
      rules:
        - clientSelectors: [{headers: [{name: x-team, type: Distinct}]}]
          limit: {requests: 100000, unit: Hour}
          cost:
            request: {from: Number, number: 0}
            response: {from: Metadata, metadata: {namespace: io.envoy.ai_gateway, key: tokens}}
        - limit: {requests: 1, unit: Hour}
`;
}

let gatewayArgs;
const baseEnv = () => ({ SSL_CERT_FILE: emulator.trustBundle });
const tracingEnv = (endpoint, extra = {}) => ({
  ...baseEnv(),
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_BSP_SCHEDULE_DELAY: '50',
  ...extra,
});

before(async () => {
  dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  receiver = await startOtlpReceiver();
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/routes.yaml`, manifest(emulator));
  gatewayArgs = ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`, '--workers', '2'];
  gateway = await startGateway({
    args: gatewayArgs,
    env: tracingEnv(receiver.url, {
      OTEL_SERVICE_NAME: 'switchyard-e2e',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,openinference.project.name=e2e',
    }),
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
});

after(async () => {
  await gateway?.stop();
  await receiver?.close();
  await emulator?.stop();
});

const hex = (bytes) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The spans of one trace once the request span (no parent inside the trace) and `attempts` children are in. */
async function traceOf(traceId, attempts = 1, from = receiver) {
  for (let i = 0; i < 300; i++) {
    const spans = from.spans().filter((s) => s.traceId === traceId);
    const root = spans.find((s) => s.kind === SpanKind.SERVER);
    const children = root ? spans.filter((s) => s.parentSpanId === root.spanId) : [];
    if (root && children.length >= attempts) return { root, attempts: children };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`trace ${traceId} not complete`);
}

test('a unary request becomes an OpenInference LLM span under the caller\'s traceparent, with an attempt child span whose id the upstream received', async () => {
  const traceId = hex(16);
  const parentId = hex(8);
  const body = {
    model: 'gemini-2.5-flash',
    messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Name a colour.' }],
    temperature: 0.25,
    max_completion_tokens: 64,
  };
  const completion = await client.chat.completions.create(body, {
    headers: { traceparent: `00-${traceId}-${parentId}-01`, tracestate: 'vendor=abc', 'agent-session-id': 'session-7' },
  });
  const { root, attempts } = await traceOf(traceId);
  const a = root.attributes;

  assert.equal(root.parentSpanId, parentId, 'child of the caller\'s span');
  assert.equal(root.traceState, 'vendor=abc');
  assert.equal(root.name, 'ChatCompletion');
  assert.equal(root.status.code, StatusCode.OK);
  assert.ok(root.endTimeUnixNano >= root.startTimeUnixNano);
  assert.equal(a['openinference.span.kind'], 'LLM');
  assert.equal(a['llm.system'], 'vertexai');
  assert.equal(a['llm.provider'], 'google');
  assert.equal(a['llm.model_name'], 'gemini-2.5-flash');
  assert.equal(a['session.id'], 'session-7');
  assert.equal(a['input.mime_type'], 'application/json');
  assert.deepEqual(JSON.parse(a['input.value']), body);
  const parameters = JSON.parse(a['llm.invocation_parameters']);
  assert.equal(parameters.temperature, 0.25);
  assert.equal(parameters.max_completion_tokens, 64);
  assert.equal(parameters.messages, undefined, 'messages are not invocation parameters');
  assert.equal(a['llm.input_messages.0.message.role'], 'system');
  assert.equal(a['llm.input_messages.0.message.content'], 'You are terse.');
  assert.equal(a['llm.input_messages.1.message.role'], 'user');
  assert.equal(a['llm.input_messages.1.message.content'], 'Name a colour.');
  assert.equal(a['llm.output_messages.0.message.role'], 'assistant');
  assert.equal(a['llm.output_messages.0.message.content'], completion.choices[0].message.content);
  assert.equal(a['output.mime_type'], 'application/json');
  assert.equal(JSON.parse(a['output.value']).id, completion.id);
  assert.equal(a['llm.token_count.prompt'], BigInt(completion.usage.prompt_tokens));
  assert.equal(a['llm.token_count.completion'], BigInt(completion.usage.completion_tokens));
  assert.equal(a['llm.token_count.total'], BigInt(completion.usage.total_tokens));

  assert.equal(root.resource['service.name'], 'switchyard-e2e');
  assert.equal(root.resource['deployment.environment'], 'test');
  assert.equal(root.resource['openinference.project.name'], 'e2e');

  assert.equal(attempts.length, 1);
  const attempt = attempts[0];
  assert.equal(attempt.kind, SpanKind.CLIENT);
  assert.equal(attempt.attributes['switchyard.attempt.outcome'], 'ok');
  assert.equal(attempt.attributes['server.port'], BigInt(emulator.port));
  assert.equal(attempt.status.code, StatusCode.OK);

  const stats = await emulator.stats();
  assert.equal(stats.last_request_headers.traceparent, `00-${traceId}-${attempt.spanId}-01`,
    'the upstream request continues the trace from the attempt span');
  assert.equal(stats.last_request_headers.tracestate, 'vendor=abc');
});

test('a fallback shows as two attempt spans: the failed primary and the answering fallback', async () => {
  await emulator.addFault({ model: 'gemini-2.5-pro', fault: { status: 503 }, count: 1 });
  const traceId = hex(16);
  await client.chat.completions.create(
    { model: 'vertex-virtual-model', messages: [{ role: 'user', content: 'fall back please' }] },
    { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
  const { root, attempts } = await traceOf(traceId, 2);
  attempts.sort((x, y) => Number(x.startTimeUnixNano - y.startTimeUnixNano));
  assert.equal(attempts.length, 2);
  assert.equal(attempts[0].attributes['switchyard.backend'], 'default/primary');
  assert.equal(attempts[0].attributes['switchyard.attempt.outcome'], 'status_503');
  assert.equal(attempts[0].attributes['http.response.status_code'], 503n);
  assert.equal(attempts[0].status.code, StatusCode.ERROR);
  assert.equal(attempts[0].events[0]?.name, 'exception');
  assert.equal(attempts[1].attributes['switchyard.backend'], 'default/fallback');
  assert.equal(attempts[1].attributes['switchyard.attempt.outcome'], 'ok');
  assert.equal(root.status.code, StatusCode.OK);
  assert.equal(root.attributes['llm.model_name'], 'gemini-2.5-flash', 'the model that answered');
});

test('a stream folds its chunks into output.value and marks the first token', async () => {
  const traceId = hex(16);
  const stream = await client.chat.completions.create(
    { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'stream some words for the trace' }], stream: true, stream_options: { include_usage: true } },
    { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
  let text = '';
  let usage;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    usage = chunk.usage ?? usage;
  }
  const { root } = await traceOf(traceId);
  const a = root.attributes;
  const folded = JSON.parse(a['output.value']);
  assert.equal(folded.object, 'chat.completion');
  assert.equal(folded.choices[0].message.content, text);
  assert.equal(folded.choices[0].finish_reason, 'stop');
  assert.equal(a['llm.output_messages.0.message.content'], text);
  assert.equal(a['llm.token_count.completion'], BigInt(usage.completion_tokens));
  assert.equal(a['llm.token_count.prompt'], BigInt(usage.prompt_tokens));
  const first = root.events.find((e) => e.name === 'First Token Stream Event');
  assert.ok(first, 'first-token event');
  assert.ok(first.timeUnixNano >= root.startTimeUnixNano && first.timeUnixNano <= root.endTimeUnixNano);
});

test('a failed request ends its span with status ERROR and an exception event', async () => {
  const traceId = hex(16);
  await assert.rejects(client.chat.completions.create(
    { model: 'gemini-broken', messages: [{ role: 'user', content: 'x [[emulator: status=400]]' }] },
    { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } }));
  const { root } = await traceOf(traceId);
  assert.equal(root.status.code, StatusCode.ERROR);
  const exception = root.events.find((e) => e.name === 'exception');
  assert.ok(exception, 'exception event');
  assert.equal(typeof exception.attributes['exception.type'], 'string');
  assert.ok(exception.attributes['exception.message'].length > 0);
  assert.equal(root.attributes['http.response.status_code'], 400n);
});

test('a rate-limited route\'s span carries switchyard.ratelimit.*: the costs charged, then the rule that refused', async () => {
  const admittedTrace = hex(16);
  const completion = await client.chat.completions.create(
    { model: 'limited-model', messages: [{ role: 'user', content: 'Count my tokens.' }] },
    { headers: { traceparent: `00-${admittedTrace}-${hex(8)}-01` } });
  const admitted = (await traceOf(admittedTrace)).root.attributes;
  assert.equal(admitted['switchyard.ratelimit.rules'], 1n);
  assert.equal(admitted['switchyard.ratelimit.request_cost'], 1n);
  assert.equal(admitted['switchyard.ratelimit.response_cost'], BigInt(completion.usage.total_tokens));
  assert.equal(admitted['switchyard.ratelimit.limited_by'], undefined);

  const refusedTrace = hex(16);
  await assert.rejects(client.chat.completions.create(
    { model: 'limited-model', messages: [{ role: 'user', content: 'Once more.' }] },
    { headers: { traceparent: `00-${refusedTrace}-${hex(8)}-01` } }), (err) => err.status === 429);
  const { root, attempts } = await traceOf(refusedTrace, 0);
  assert.equal(attempts.length, 0, 'refused before any upstream attempt');
  const refused = root.attributes;
  assert.equal(refused['http.response.status_code'], 429n);
  assert.equal(refused['switchyard.ratelimit.limited_by'], 'default/limited/global/0');
  assert.equal(refused['switchyard.ratelimit.rules'], 1n);
  assert.equal(refused['switchyard.ratelimit.request_cost'], 1n);
  assert.equal(refused['switchyard.ratelimit.response_cost'], 0n);
  assert.equal(root.status.code, StatusCode.ERROR);
});

test('with two rate-limit rules the span records each rule as the access log does: its id, outcome and costs', async () => {
  const send = async (content) => {
    const traceId = hex(16);
    const options = { headers: { traceparent: `00-${traceId}-${hex(8)}-01`, 'x-team': 'blue' } };
    const params = { model: 'two-rules-model', messages: [{ role: 'user', content }] };
    let completion;
    let requestId;
    try {
      const { data, response } = await client.chat.completions.create(params, options).withResponse();
      completion = data;
      requestId = response.headers.get('x-request-id');
    } catch (err) {
      assert.equal(err.status, 429, String(err));
      requestId = err.headers.get('x-request-id');
    }
    const { root } = await traceOf(traceId, completion ? 1 : 0);
    const line = await gateway.process.waitForLine((text, stream) => {
      const j = stream === 'stdout' ? jsonLine(text) : undefined;
      return j && j['x-request-id'] === requestId ? j : undefined;
    }, 5000);
    return { completion, attributes: root.attributes, logged: line['ratelimit.rules'] };
  };
  // The span's rules, in the access log's shape.
  const rulesOf = (a) => {
    const rules = [];
    for (let i = 0; a[`switchyard.ratelimit.rules.${i}.rule`] !== undefined; ++i) {
      rules.push({
        rule: a[`switchyard.ratelimit.rules.${i}.rule`],
        outcome: a[`switchyard.ratelimit.rules.${i}.outcome`],
        request_cost: Number(a[`switchyard.ratelimit.rules.${i}.request_cost`]),
        response_cost: Number(a[`switchyard.ratelimit.rules.${i}.response_cost`]),
      });
    }
    return rules;
  };

  const admitted = await send('Count my tokens twice.');
  assert.ok(admitted.completion, 'the first request is admitted');
  assert.deepEqual(rulesOf(admitted.attributes), [
    { rule: 'default/two-rules/global/0', outcome: 'allowed', request_cost: 0, response_cost: admitted.completion.usage.total_tokens },
    { rule: 'default/two-rules/global/1', outcome: 'allowed', request_cost: 1, response_cost: 0 },
  ]);
  assert.deepEqual(rulesOf(admitted.attributes), admitted.logged);
  assert.equal(admitted.attributes['switchyard.ratelimit.limited_by'], undefined);

  const refused = await send('And once more.');
  assert.equal(refused.completion, undefined, 'the second request is refused');
  assert.deepEqual(rulesOf(refused.attributes), [
    { rule: 'default/two-rules/global/0', outcome: 'allowed', request_cost: 0, response_cost: 0 },
    { rule: 'default/two-rules/global/1', outcome: 'limited', request_cost: 1, response_cost: 0 },
  ]);
  assert.deepEqual(rulesOf(refused.attributes), refused.logged);
  assert.equal(refused.attributes['switchyard.ratelimit.limited_by'], 'default/two-rules/global/1');
  assert.equal(refused.attributes['switchyard.ratelimit.rules.2.rule'], undefined, 'no more than the route\'s rules');
});

test('without a traceparent the request starts a new trace; an unsampled caller gets none, but its header goes upstream unchanged', async () => {
  const before = receiver.spans().length;
  await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'new trace' }] });
  const spans = await receiver.waitForSpans(before + 2);
  const root = spans.slice(before).find((s) => s.kind === SpanKind.SERVER);
  assert.equal(root.parentSpanId, '');
  assert.match(root.traceId, /^[0-9a-f]{32}$/);

  const unsampled = `00-${hex(16)}-${hex(8)}-00`;
  await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'no trace' }] },
    { headers: { traceparent: unsampled } });
  assert.equal((await emulator.stats()).last_request_headers.traceparent, unsampled);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!receiver.spans().some((s) => s.traceId === unsampled.slice(3, 35)), 'no span for an unsampled trace');
});

test('OPENINFERENCE_HIDE_INPUTS and OPENINFERENCE_HIDE_OUTPUTS keep the prompt and the answer out of the trace, token counts stay', async () => {
  const own = await startOtlpReceiver();
  const hidden = await startGateway({
    args: gatewayArgs,
    env: tracingEnv(own.url, { OPENINFERENCE_HIDE_INPUTS: 'true', OPENINFERENCE_HIDE_OUTPUTS: 'true' }),
  });
  try {
    const traceId = hex(16);
    const secret = 'my secret prompt text';
    const hiddenClient = new OpenAI({ baseURL: `${hidden.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const completion = await hiddenClient.chat.completions.create(
      { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: secret }] },
      { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
    const { root } = await traceOf(traceId, 1, own);
    const a = root.attributes;
    assert.equal(a['input.value'], '__REDACTED__');
    assert.ok(!Object.keys(a).some((k) => k.startsWith('llm.input_messages.')), 'no input messages');
    assert.equal(a['output.value'], '__REDACTED__');
    assert.ok(!Object.keys(a).some((k) => k.startsWith('llm.output_messages.')), 'no output messages');
    const leaking = Object.entries(a).filter(([, v]) => String(v).includes(secret)).map(([k]) => k);
    assert.deepEqual(leaking, [], 'the prompt appears in no attribute');
    const answer = completion.choices[0].message.content;
    assert.ok(!Object.values(a).some((v) => String(v).includes(answer)), 'the answer appears in no attribute');
    assert.equal(a['llm.token_count.total'], BigInt(completion.usage.total_tokens), 'counts stay');
  } finally {
    await hidden.stop();
    await own.close();
  }
});

// Median of `n` sequential request latencies (ms) through each gateway, interleaved.
async function interleavedMedians(urls, n) {
  const samples = urls.map(() => []);
  const body = JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'latency probe' }] });
  for (let i = 0; i < n; i++) {
    for (const [k, url] of urls.entries()) {
      const started = performance.now();
      const res = await request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      samples[k].push(performance.now() - started);
      assert.equal(res.status, 200);
    }
  }
  return samples.map((s) => s.sort((x, y) => x - y)[Math.floor(s.length / 2)]);
}

async function metricValue(adminUrl, name) {
  const res = await request(`${adminUrl}/metrics`);
  const line = res.body.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : undefined;
}

test('a dead collector and a collector that never answers add no latency; spans are dropped and counted', async () => {
  // A collector that accepts connections and never answers.
  const held = [];
  const silent = http.createServer((req) => held.push(req));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const small = { OTEL_BSP_MAX_QUEUE_SIZE: '8', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4', OTEL_EXPORTER_OTLP_TIMEOUT: '60000', OTEL_BSP_EXPORT_TIMEOUT: '60000' };
  const gateways = [];
  try {
    gateways.push(await startGateway({ args: gatewayArgs, env: baseEnv() }));
    gateways.push(await startGateway({ args: gatewayArgs, env: tracingEnv(`http://127.0.0.1:${await closedPort()}`, small) }));
    gateways.push(await startGateway({ args: gatewayArgs, env: tracingEnv(`http://127.0.0.1:${silent.address().port}`, small) }));
    await interleavedMedians(gateways.map((g) => g.url), 5);  // warm up: connections, tokens
    const [off, dead, slow] = await interleavedMedians(gateways.map((g) => g.url), 40);
    // Same run, as ratios; generous because two cores run the client, the emulator and three gateways.
    assert.ok(dead / off < 1.5, `dead collector: median ${dead.toFixed(2)} ms vs ${off.toFixed(2)} ms without tracing`);
    assert.ok(slow / off < 1.5, `silent collector: median ${slow.toFixed(2)} ms vs ${off.toFixed(2)} ms without tracing`);
    for (const g of gateways.slice(1)) {
      let dropped = 0;
      for (let i = 0; i < 100 && !(dropped > 0); i++) {
        dropped = (await metricValue(g.adminUrl, 'switchyard_spans_dropped_total')) ?? 0;
        if (!(dropped > 0)) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(dropped > 0, 'dropped spans are counted');
    }
  } finally {
    for (const g of gateways) await g.stop();
    silent.closeAllConnections();
    silent.close();
  }
});

test('AI_GATEWAY_TRACING_SEMCONV=gen_ai switches the span to the OpenTelemetry GenAI conventions', async () => {
  const own = await startOtlpReceiver();
  const genai = await startGateway({ args: gatewayArgs, env: tracingEnv(own.url, { AI_GATEWAY_TRACING_SEMCONV: 'gen_ai' }) });
  try {
    const traceId = hex(16);
    const genaiClient = new OpenAI({ baseURL: `${genai.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const completion = await genaiClient.chat.completions.create(
      { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'gen ai please' }], temperature: 0.5 },
      { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
    const { root } = await traceOf(traceId, 1, own);
    const a = root.attributes;
    assert.equal(root.name, 'chat gemini-2.5-flash');
    assert.equal(a['gen_ai.operation.name'], 'chat');
    assert.equal(a['gen_ai.provider.name'], 'gcp.vertex_ai');
    assert.equal(a['gen_ai.request.model'], 'gemini-2.5-flash');
    assert.equal(a['gen_ai.request.temperature'], 0.5);
    assert.equal(a['gen_ai.usage.input_tokens'], BigInt(completion.usage.prompt_tokens));
    assert.equal(a['gen_ai.usage.output_tokens'], BigInt(completion.usage.completion_tokens));
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(a['openinference.span.kind'], undefined, 'no OpenInference keys in GenAI mode');
  } finally {
    await genai.stop();
    await own.close();
  }
});

test('an embeddings request becomes an OpenInference EMBEDDING span with its texts, vectors and token counts', async () => {
  const traceId = hex(16);
  const res = await client.embeddings.create(
    { model: 'embedder', input: ['first text', 'second text'], encoding_format: 'float' },
    { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } });
  const { root, attempts } = await traceOf(traceId);
  const a = root.attributes;
  assert.equal(root.name, 'CreateEmbeddings');
  assert.equal(root.status.code, StatusCode.OK);
  assert.equal(a['openinference.span.kind'], 'EMBEDDING');
  assert.equal(a['embedding.model_name'], 'text-embedding-005');
  assert.equal(a['embedding.embeddings.0.embedding.text'], 'first text');
  assert.equal(a['embedding.embeddings.1.embedding.text'], 'second text');
  const vector = a['embedding.embeddings.1.embedding.vector'];
  assert.equal(vector.length, res.data[1].embedding.length);
  assert.ok(Math.abs(vector[0] - res.data[1].embedding[0]) < 1e-6);
  assert.equal(a['llm.token_count.prompt'], BigInt(res.usage.prompt_tokens));
  assert.equal(a['llm.token_count.total'], BigInt(res.usage.total_tokens));
  assert.equal(attempts.length, 1);
  assert.equal(attempts[0].attributes['switchyard.attempt.outcome'], 'ok');
});
