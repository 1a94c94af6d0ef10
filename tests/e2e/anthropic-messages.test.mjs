// The Anthropic Messages API through the gateway to Claude on Vertex (schema GCPAnthropic), driven
// by Anthropic's own SDK at `<gateway>/anthropic` (and once at the bare gateway, `/v1/messages`):
// unary, streamed (the SDK's helpers), tools, count_tokens, fallback from a broken or overloaded
// backend, a mid-stream error event, and an unknown model in Anthropic's error envelope.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startEmulator, startGateway, makeTempDir, writeFile, closedPort } from './lib/harness.mjs';
import { caConfigMap, gcpCredentialsPolicy, modelRoute } from './lib/manifests.mjs';

let emulator;
let gateway;
let client;

const project = 'p';
const region = 'us-central1';
const claudePath = (model, method) =>
  `/v1/projects/${project}/locations/${region}/publishers/anthropic/models/${model}:${method}`;

// A GCPAnthropic AIServiceBackend with its Backend and a BackendTLSPolicy trusting ConfigMap `ca`.
function claudeBackend(name, port) {
  return `
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${name}}
spec: {schema: {name: GCPAnthropic}, backendRef: {name: ${name}}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: ${name}}
spec: {endpoints: [{ip: {address: 127.0.0.1, port: ${port}}}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: ${name}}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: ${name}}]
  validation: {hostname: localhost, caCertificateRefs: [{kind: ConfigMap, name: ca}]}`;
}

const SONNET = 'claude-sonnet-4@20250514';
const HAIKU = 'claude-3-5-haiku@20241022';

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  const broken = await closedPort();
  const backends = ['claude', 'claude-broken', 'claude-529'];
  let yaml = `${caConfigMap(emulator)}---${gcpCredentialsPolicy(backends, { project, region })}`;
  yaml += claudeBackend('claude', emulator.port);
  yaml += claudeBackend('claude-broken', broken);
  yaml += claudeBackend('claude-529', emulator.port);
  yaml += modelRoute('sonnet', [{ name: 'claude', model: SONNET }]);
  yaml += modelRoute('haiku', [{ name: 'claude', model: HAIKU }]);
  yaml += modelRoute('claude-fallback', [
    { name: 'claude-broken', model: SONNET, priority: 0 },
    { name: 'claude', model: HAIKU, priority: 1 },
  ]);
  yaml += modelRoute('claude-overloaded', [
    { name: 'claude-529', model: 'claude-overloaded@1', priority: 0 },
    { name: 'claude', model: HAIKU, priority: 1 },
  ]);
  // Anthropic's 529 (overloaded_error) is among Switchyard's default fallback statuses: no policy.
  yaml += modelRoute('claude-midstream', [{ name: 'claude', model: 'claude-midstream@1' }]);
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/routes.yaml`, yaml);
  gateway = await startGateway({
    args: ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
  client = new Anthropic({ baseURL: `${gateway.url}/anthropic`, apiKey: 'x', maxRetries: 0 });

  await emulator.addFault({ model: 'claude-overloaded@1', fault: { status: 529 }, count: -1 });
  await emulator.addFault({ model: 'claude-midstream@1', fault: { stream_error_after: 2 }, count: -1 });
});

after(async () => {
  await emulator?.clearFaults().catch(() => {});
  await gateway?.stop();
  await emulator?.stop();
});

// The last access log line for `model` that `match` accepts (lines are flushed in batches, so an
// earlier request's line may be there before this one's).
async function lastLog(model, match = () => true) {
  for (let i = 0; i < 100; i++) {
    const line = gateway.accessLog().filter((l) => l['gen_ai.request.model'] === model && match(l)).at(-1);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no access log line for ${model}`);
}

const textOf = (message) => message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');

test('messages.create answers unary, the model in the Vertex path and anthropic_version in the body', async () => {
  const message = await client.messages.create({
    model: 'sonnet', max_tokens: 256, temperature: 0.5,
    system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there Claude' }],
  });
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.match(textOf(message), /echo: Hello there Claude/);
  assert.equal(message.stop_reason, 'end_turn');
  assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);

  const stats = await emulator.stats();
  assert.equal(stats.last_request_path, claudePath(SONNET, 'rawPredict'));
  const sent = JSON.parse(stats.last_request_body);
  assert.equal(sent.anthropic_version, 'vertex-2023-10-16');
  assert.equal(sent.model, undefined);
  assert.equal(sent.temperature, 0.5);
  assert.equal(sent.system, 'Be brief.');

  const log = await lastLog('sonnet', (l) => l['x-envoy-origin-path'] === '/anthropic/v1/messages' && !l.stream);
  assert.equal(log['gen_ai.request.model_override'], SONNET);
  assert.equal(log['gen_ai.usage.output_tokens'], message.usage.output_tokens);
  const cache = (message.usage.cache_read_input_tokens ?? 0) + (message.usage.cache_creation_input_tokens ?? 0);
  assert.equal(log['gen_ai.usage.input_tokens'], message.usage.input_tokens + cache);
});

test('anthropic-beta goes upstream as the client sent it; the client\'s key and version do not', async () => {
  await client.messages.create(
    { model: 'sonnet', max_tokens: 32, messages: [{ role: 'user', content: 'beta please' }] },
    { headers: { 'anthropic-beta': 'token-efficient-tools-2025-02-19' } });
  const headers = (await emulator.stats()).last_request_headers;
  assert.equal(headers['anthropic-beta'], 'token-efficient-tools-2025-02-19');
  assert.equal(headers['x-api-key'], undefined);
  assert.equal(headers['anthropic-version'], undefined);
  assert.match(headers.authorization, /^Bearer /);
  assert.doesNotMatch(headers.authorization, /Bearer x$/);
});

test('the bare gateway serves /v1/messages too', async () => {
  const bare = new Anthropic({ baseURL: gateway.url, apiKey: 'x', maxRetries: 0 });
  const message = await bare.messages.create({
    model: 'haiku', max_tokens: 64, messages: [{ role: 'user', content: 'bare path' }],
  });
  assert.match(textOf(message), /echo: bare path/);
  assert.equal((await emulator.stats()).last_request_path, claudePath(HAIKU, 'rawPredict'));
});

test('messages.stream relays the events and the SDK assembles the same message', async () => {
  const prompt = 'stream me a few words please';
  const unary = await client.messages.create({ model: 'sonnet', max_tokens: 256, messages: [{ role: 'user', content: prompt }] });
  const stream = client.messages.stream({ model: 'sonnet', max_tokens: 256, messages: [{ role: 'user', content: prompt }] });
  let deltas = '';
  const events = [];
  stream.on('text', (text) => { deltas += text; });
  stream.on('streamEvent', (event) => events.push(event.type));
  const final = await stream.finalMessage();
  assert.equal(textOf(final), textOf(unary));
  assert.equal(deltas, textOf(unary));
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(final.usage.output_tokens, unary.usage.output_tokens);
  assert.equal(events[0], 'message_start');
  assert.equal(events.at(-1), 'message_stop');
  assert.ok(events.includes('content_block_delta'));
  assert.equal((await emulator.stats()).last_request_path, claudePath(SONNET, 'streamRawPredict'));

  const log = await lastLog('sonnet', (l) => l.stream);
  assert.equal(log.stream, true);
  assert.equal(log['gen_ai.usage.output_tokens'], final.usage.output_tokens);
});

test('create({stream: true}) yields the raw events in order', async () => {
  const stream = await client.messages.create({
    model: 'haiku', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'raw events' }],
  });
  const types = [];
  for await (const event of stream) types.push(event.type);
  assert.deepEqual(types.slice(0, 2), ['message_start', 'content_block_start']);
  assert.deepEqual(types.slice(-2), ['message_delta', 'message_stop']);
});

test('tools: a tool_use answer, then the tool result turn', async () => {
  const tools = [{
    name: 'get_weather', description: 'Current weather of a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  }];
  const first = await client.messages.create({
    model: 'sonnet', max_tokens: 256, tools, tool_choice: { type: 'tool', name: 'get_weather' },
    messages: [{ role: 'user', content: 'call get_weather for Paris' }],
  });
  assert.equal(first.stop_reason, 'tool_use');
  const call = first.content.find((b) => b.type === 'tool_use');
  assert.ok(call, JSON.stringify(first.content));
  assert.equal(call.name, 'get_weather');

  const streamed = await client.messages.stream({
    model: 'sonnet', max_tokens: 256, tools, tool_choice: { type: 'tool', name: 'get_weather' },
    messages: [{ role: 'user', content: 'call get_weather for Paris' }],
  }).finalMessage();
  const streamedCall = streamed.content.find((b) => b.type === 'tool_use');
  assert.equal(streamedCall.name, 'get_weather');
  assert.deepEqual(streamedCall.input, call.input);

  const second = await client.messages.create({
    model: 'sonnet', max_tokens: 256, tools,
    messages: [
      { role: 'user', content: 'call get_weather for Paris' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18C and sunny' }] },
    ],
  });
  assert.match(textOf(second), /get_weather returned 18C and sunny/);
});

test('messages.countTokens goes to count-tokens:rawPredict with the backend model in the body', async () => {
  const counted = await client.messages.countTokens({
    model: 'sonnet', system: 'Be brief.', messages: [{ role: 'user', content: 'how many tokens are in this request' }],
  });
  assert.ok(Number.isInteger(counted.input_tokens) && counted.input_tokens > 0, JSON.stringify(counted));
  const stats = await emulator.stats();
  assert.equal(stats.last_request_path, claudePath('count-tokens', 'rawPredict'));
  assert.equal(JSON.parse(stats.last_request_body).model, SONNET);
  const log = await lastLog('sonnet', (l) => l['x-envoy-origin-path'].endsWith('/count_tokens'));
  assert.equal(log['gen_ai.usage.input_tokens'], counted.input_tokens);
});

test('a virtual model whose priority-0 backend is broken falls back to a working one', async () => {
  const message = await client.messages.create({
    model: 'claude-fallback', max_tokens: 64, messages: [{ role: 'user', content: 'fallback please' }],
  });
  assert.match(textOf(message), /echo: fallback please/);
  const log = await lastLog('claude-fallback', (l) => !l.stream);
  assert.deepEqual(log.attempts.map((a) => a.outcome).filter((o) => o !== 'ejected').slice(-2), ['upstream_connect', 'ok']);
  const streamed = await client.messages.stream({
    model: 'claude-fallback', max_tokens: 64, messages: [{ role: 'user', content: 'stream fallback' }],
  }).finalMessage();
  assert.match(textOf(streamed), /echo: stream fallback/);
});

test('a 529 overloaded before the first byte falls back with no retry policy, unary and streamed', async () => {
  const message = await client.messages.create({
    model: 'claude-overloaded', max_tokens: 64, messages: [{ role: 'user', content: 'overloaded unary' }],
  });
  assert.match(textOf(message), /echo: overloaded unary/);
  const log = await lastLog('claude-overloaded', (l) => !l.stream);
  assert.deepEqual(log.attempts.map((a) => a.outcome).filter((o) => o !== 'ejected').slice(-2), ['status_529', 'ok']);

  const streamed = await client.messages.stream({
    model: 'claude-overloaded', max_tokens: 64, messages: [{ role: 'user', content: 'overloaded stream' }],
  }).finalMessage();
  assert.match(textOf(streamed), /echo: overloaded stream/);
});

test('an error event mid-stream reaches the SDK as Anthropic\'s overloaded_error', async () => {
  const stream = client.messages.stream({
    model: 'claude-midstream', max_tokens: 64, messages: [{ role: 'user', content: 'this stream will break' }],
  });
  await assert.rejects(stream.finalMessage(), (err) => {
    assert.ok(err instanceof Anthropic.APIError, String(err));
    assert.equal(err.error?.type, 'error');
    assert.equal(err.error?.error?.type, 'overloaded_error');
    return true;
  });
  const log = await lastLog('claude-midstream');
  assert.equal(log['error.type'], 'upstream_status');
});

test('an unknown model is the SDK\'s NotFoundError in Anthropic\'s envelope', async () => {
  await assert.rejects(
    client.messages.create({ model: 'no-such-model', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
    (err) => {
      assert.ok(err instanceof Anthropic.NotFoundError, String(err));
      assert.equal(err.status, 404);
      assert.equal(err.error?.type, 'error');
      assert.equal(err.error?.error?.type, 'not_found_error');
      assert.match(err.error?.error?.message ?? '', /no-such-model/);
      return true;
    });
});
