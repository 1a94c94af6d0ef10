// OpenAI chat completions to Claude on Vertex AI (schema GCPAnthropic), end to end: the official
// `openai` client through the real gateway to the emulator's Claude over verified TLS with
// service-account auth. Unary, streamed, tools, thinking (multi-turn with signatures), images;
// a 429 and an overloaded_error (529) before the first byte answered by a second Claude backend;
// a stream cut mid-way and an `error` event mid-stream raise in the client (no silent truncation).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir, writeFile } from './lib/harness.mjs';
import { caConfigMap, gcpCredentialsPolicy, modelRoute } from './lib/manifests.mjs';

const MODEL = 'claude-sonnet-4@20250514';
const FALLBACK = 'claude-fallback@20250514';
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

let emulator;
let gateway;
let client;

function claudeBackend(name, port) {
  return `
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${name}}
spec: {schema: {name: GCPAnthropic, version: vertex-2023-10-16}, backendRef: {name: ${name}}}
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

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  const backends = ['claude-main', 'claude-p429', 'claude-p529', 'claude-pstream', 'claude-fallback'];
  let yaml = `${caConfigMap(emulator)}---${gcpCredentialsPolicy(backends, { region: 'us-east5' })}`;
  for (const name of backends) yaml += claudeBackend(name, emulator.port);
  yaml += modelRoute('claude', [{ name: 'claude-main', model: MODEL }]);
  for (const [scenario, backend] of [['429', 'claude-p429'], ['529', 'claude-p529'], ['stream', 'claude-pstream']]) {
    yaml += modelRoute(`claude-fo-${scenario}`, [
      { name: backend, model: `claude-primary-${scenario}@20250514`, priority: 0 },
      { name: 'claude-fallback', model: FALLBACK, priority: 1 },
    ]);
  }
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/routes.yaml`, yaml);
  gateway = await startGateway({
    args: ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });

  const always = -1;
  await emulator.addFault({ model: 'claude-primary-429@20250514', fault: { status: 429 }, count: always });
  await emulator.addFault({ model: 'claude-primary-529@20250514', fault: { status: 529 }, count: always });
  await emulator.addFault({ model: 'claude-primary-stream@20250514', fault: { status: 529 }, count: always });
});

after(async () => {
  await emulator?.clearFaults().catch(() => {});
  await gateway?.stop();
  await emulator?.stop();
});

const user = (content) => [{ role: 'user', content }];

test('unary: the echo, finish_reason stop and usage as OpenAI counts it', async () => {
  const res = await client.chat.completions.create({
    model: 'claude', messages: [{ role: 'system', content: 'be brief' }, ...user('hello from openai')],
  });
  assert.match(res.id, /^chatcmpl-/);
  assert.equal(res.object, 'chat.completion');
  assert.equal(res.model, MODEL);
  assert.equal(res.choices.length, 1);
  assert.equal(res.choices[0].message.role, 'assistant');
  assert.equal(res.choices[0].message.content, `[${MODEL}] echo: hello from openai (system: be brief)`);
  assert.equal(res.choices[0].finish_reason, 'stop');
  assert.ok(res.usage.prompt_tokens > 0);
  assert.ok(res.usage.completion_tokens > 0);
  assert.equal(res.usage.total_tokens, res.usage.prompt_tokens + res.usage.completion_tokens);
});

test('max_tokens cuts the answer: finish_reason length', async () => {
  const res = await client.chat.completions.create({ model: 'claude', max_tokens: 2, messages: user('one two three four five six') });
  assert.equal(res.choices[0].finish_reason, 'length');
});

test('stream: deltas assemble the echo, one finish, usage with include_usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'claude', stream: true, stream_options: { include_usage: true }, messages: user('stream these four words'),
  });
  let text = '';
  const finishes = [];
  let usage;
  const ids = new Set();
  for await (const chunk of stream) {
    ids.add(chunk.id);
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    text += choice.delta?.content ?? '';
    if (choice.finish_reason) finishes.push(choice.finish_reason);
  }
  assert.equal(text, `[${MODEL}] echo: stream these four words`);
  assert.deepEqual(finishes, ['stop']);
  assert.equal(ids.size, 1);
  assert.ok(usage && usage.completion_tokens > 0 && usage.prompt_tokens > 0);
});

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather', description: 'Weather by city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

test('tools: a tool call, then the tool result answered (unary and streamed)', async () => {
  const first = await client.chat.completions.create({
    model: 'claude', tools: [weatherTool], parallel_tool_calls: false, messages: user('call get_weather'),
  });
  const message = first.choices[0].message;
  assert.equal(first.choices[0].finish_reason, 'tool_calls');
  assert.equal(message.tool_calls.length, 1);
  const call = message.tool_calls[0];
  assert.equal(call.function.name, 'get_weather');
  assert.equal(typeof JSON.parse(call.function.arguments), 'object');

  const second = await client.chat.completions.create({
    model: 'claude', tools: [weatherTool],
    messages: [...user('call get_weather'), message, { role: 'tool', tool_call_id: call.id, content: '18C' }],
  });
  assert.equal(second.choices[0].message.content, `[${MODEL}] get_weather returned 18C`);

  const stream = await client.chat.completions.create({
    model: 'claude', stream: true, tools: [weatherTool], tool_choice: 'required', messages: user('call get_weather'),
  });
  const calls = [];
  let finish;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    for (const piece of choice.delta?.tool_calls ?? []) {
      calls[piece.index] ??= { id: '', name: '', arguments: '' };
      if (piece.id) calls[piece.index].id = piece.id;
      if (piece.function?.name) calls[piece.index].name = piece.function.name;
      calls[piece.index].arguments += piece.function?.arguments ?? '';
    }
    finish = choice.finish_reason ?? finish;
  }
  assert.equal(finish, 'tool_calls');
  assert.ok(calls.length >= 1);
  assert.equal(calls[0].name, 'get_weather');
  assert.ok(calls[0].id);
  assert.equal(typeof JSON.parse(calls[0].arguments), 'object');
});

test('thinking: reasoning_content and signed thinking_blocks, sent back next turn', async () => {
  const first = await client.chat.completions.create({ model: 'claude', reasoning_effort: 'low', messages: user('think about it') });
  const message = first.choices[0].message;
  assert.ok(message.reasoning_content, 'reasoning_content is present');
  assert.ok(message.thinking_blocks?.length >= 1);
  assert.equal(message.thinking_blocks[0].type, 'thinking');
  assert.ok(message.thinking_blocks[0].signature, 'the block keeps its signature');
  assert.match(message.content, /echo: think about it/);

  const second = await client.chat.completions.create({
    model: 'claude', reasoning_effort: 'low', messages: [...user('think about it'), message, ...user('and again')],
  });
  assert.match(second.choices[0].message.content, /echo: and again/);

  const stream = await client.chat.completions.create({
    model: 'claude', stream: true, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: user('think in a stream'),
  });
  let reasoning = '';
  let signature = '';
  let text = '';
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta ?? {};
    reasoning += delta.reasoning_content ?? '';
    for (const block of delta.thinking_blocks ?? []) signature += block.signature ?? '';
    text += delta.content ?? '';
  }
  assert.ok(reasoning);
  assert.ok(signature);
  assert.match(text, /echo: think in a stream/);
});

test('images: a data URL and an https URL reach Claude', async () => {
  const res = await client.chat.completions.create({
    model: 'claude',
    messages: [{
      role: 'user', content: [
        { type: 'text', text: 'what is this' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      ],
    }],
  });
  const text = res.choices[0].message.content;
  assert.match(text, /echo: what is this/);
  assert.match(text, /\[saw image\/png \d+ bytes\]/);
  assert.match(text, /\[saw image https:\/\/example\.com\/cat\.jpg\]/);
});

test('fields Claude cannot honour are refused with 400 naming the param', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'claude', n: 2, messages: user('x') }),
    (err) => { assert.equal(err.status, 400); assert.equal(err.param, 'n'); return true; });
  await assert.rejects(client.chat.completions.create({ model: 'claude', logprobs: true, messages: user('x') }),
    (err) => { assert.equal(err.status, 400); assert.equal(err.param, 'logprobs'); return true; });
});

for (const [scenario, what] of [['429', 'a 429'], ['529', 'an overloaded_error (529)']]) {
  test(`${what} before the first byte is answered by the second Claude backend`, async () => {
    const res = await client.chat.completions.create({ model: `claude-fo-${scenario}`, messages: user(`fallback ${scenario}`) });
    assert.equal(res.model, FALLBACK);
    assert.match(res.choices[0].message.content, new RegExp(`echo: fallback ${scenario}`));
  });
}

test('a streamed overloaded_error before the first byte falls back too', async () => {
  const stream = await client.chat.completions.create({ model: 'claude-fo-stream', stream: true, messages: user('stream fallback') });
  let text = '';
  let model;
  for await (const chunk of stream) {
    model = chunk.model;
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  assert.equal(model, FALLBACK);
  assert.match(text, /echo: stream fallback/);
});

async function drain(stream) {
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}

test('a stream cut mid-way raises in the client', async () => {
  const stream = await client.chat.completions.create({
    model: 'claude', stream: true, messages: user('one two three four five six [[emulator: stream_reset_after=3]]'),
  });
  await assert.rejects(drain(stream));
});

test('a malformed event mid-stream raises in the client', async () => {
  const stream = await client.chat.completions.create({
    model: 'claude', stream: true, messages: user('one two three four five six [[emulator: stream_malformed_after=3]]'),
  });
  await assert.rejects(drain(stream));
});

test('an error event mid-stream raises in the client with its message', async () => {
  const stream = await client.chat.completions.create({
    model: 'claude', stream: true, messages: user('one two three four five six [[emulator: stream_error_after=3]]'),
  });
  await assert.rejects(drain(stream), (err) => {
    assert.match(String(err.message ?? err), /overloaded|Overloaded/i);
    return true;
  });
});
