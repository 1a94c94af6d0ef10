// Streaming end to end: Vertex SSE (CRLF) through the gateway to the official openai client,
// event by event, with honest failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir, sseData } from './lib/harness.mjs';
import { writeEmulatorSetup } from './lib/manifests.mjs';

let emulator;
let gateway;
let client;

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  const args = await writeEmulatorSetup(dir, emulator, { streamIdleTimeout: '3s' });
  gateway = await startGateway({ args, env: { SSL_CERT_FILE: emulator.trustBundle } });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
});

const ask = (content, extra = {}) => ({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content }], ...extra });

test('the streamed text equals the non-streamed answer', async () => {
  const whole = await client.chat.completions.create(ask('the same words either way'));
  const stream = await client.chat.completions.create(ask('the same words either way', { stream: true }));
  let text = '';
  let finish;
  const ids = new Set();
  for await (const chunk of stream) {
    ids.add(chunk.id);
    assert.equal(chunk.object, 'chat.completion.chunk');
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(finish, 'stop');
  assert.equal(ids.size, 1, 'one id across the chunks');
});

test('the raw stream is OpenAI SSE ending with [DONE], and usage comes only with include_usage', async () => {
  for (const includeUsage of [false, true]) {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ask('count my tokens', { stream: true, stream_options: { include_usage: includeUsage } })),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^text\/event-stream/);
    const raw = await res.text();
    assert.ok(!raw.includes('\r'), 'LF framing towards OpenAI clients');
    const events = sseData(raw);
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    const usageChunks = chunks.filter((c) => c.usage);
    if (!includeUsage) {
      assert.equal(usageChunks.length, 0);
    } else {
      assert.equal(usageChunks.length, 1);
      const last = chunks.at(-1);
      assert.deepEqual(last.choices, []);
      assert.ok(last.usage.prompt_tokens > 0 && last.usage.completion_tokens > 0);
      assert.equal(last.usage.total_tokens, last.usage.prompt_tokens + last.usage.completion_tokens);
    }
  }
});

test('the first chunk reaches the client while the upstream still holds back the rest', async () => {
  const started = performance.now();
  const stream = await client.chat.completions.create(ask('slow tail [[emulator: stream_pause_ms=1000]]', { stream: true }));
  let firstContentAt;
  for await (const chunk of stream) {
    if (firstContentAt === undefined && chunk.choices[0]?.delta?.content) firstContentAt = performance.now() - started;
  }
  const total = performance.now() - started;
  assert.ok(total >= 1000, `the emulator paused (total ${total} ms)`);
  assert.ok(firstContentAt < 500, `first content after ${firstContentAt} ms, before the 1 s pause ended`);
});

test('a streamed tool call arrives with its arguments and finish_reason tool_calls', async () => {
  const stream = await client.chat.completions.create({
    ...ask('call get_weather for Rome', { stream: true }),
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }],
    tool_choice: 'required',
  });
  const calls = new Map();
  let finish;
  for await (const chunk of stream) {
    for (const tc of chunk.choices[0]?.delta?.tool_calls ?? []) {
      const call = calls.get(tc.index) ?? { arguments: '' };
      if (tc.id) call.id = tc.id;
      if (tc.function?.name) call.name = tc.function.name;
      call.arguments += tc.function?.arguments ?? '';
      calls.set(tc.index, call);
    }
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(finish, 'tool_calls');
  assert.equal(calls.size, 1);
  const call = calls.get(0);
  assert.equal(call.name, 'get_weather');
  assert.match(call.id, /^call_/);
  assert.equal(typeof JSON.parse(call.arguments).city, 'string');
});

test('an upstream 429 before the stream is a 429 error, not a stream', async () => {
  await assert.rejects(
    client.chat.completions.create(ask('x [[emulator: status=429]]', { stream: true })),
    (err) => { assert.equal(err.status, 429); assert.match(err.message, /Resource exhausted/); return true; });
});

test('an upstream reset mid-stream makes the client raise instead of keeping half an answer', async () => {
  const stream = await client.chat.completions.create(ask('one two three four five [[emulator: stream_reset_after=2]]', { stream: true }));
  let text = '';
  await assert.rejects(async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  }, (err) => { assert.match(err.message, /reset|closed|upstream/i); return true; });
  assert.ok(text.length > 0, 'some content arrived before the failure');
});

test('a malformed upstream event ends the stream with an error event and no [DONE]', async () => {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ask('a b c [[emulator: stream_malformed_after=1]]', { stream: true })),
  });
  const events = sseData(await res.text());
  assert.ok(!events.includes('[DONE]'));
  const last = JSON.parse(events.at(-1));
  assert.equal(last.error.type, 'server_error');
  assert.equal(last.error.code, 'upstream_bad_response');
});

test('a client that goes away releases the upstream stream', async () => {
  const before = (await emulator.stats()).client_disconnects;
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    ask('leave early [[emulator: stream_pause_ms=1500]]', { stream: true }), { signal: controller.signal });
  try {
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) controller.abort();
    }
  } catch {
    // the client's own abort error, if its version raises one
  }
  assert.ok(controller.signal.aborted);
  let after = before;
  for (let i = 0; i < 60 && after === before; i++) {
    await new Promise((r) => setTimeout(r, 50));
    after = (await emulator.stats()).client_disconnects;
  }
  assert.equal(after, before + 1, 'the emulator saw the gateway drop the upstream stream');
});

test('1,000 concurrent streams all complete correctly', async () => {
  const n = 1000;
  const results = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const stream = await client.chat.completions.create(ask(`stream number ${i}`, { stream: true }));
    let text = '';
    let finish;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    return { i, text, finish };
  }));
  for (const r of results) {
    assert.match(r.text, new RegExp(`stream number ${r.i}$`));
    assert.equal(r.finish, 'stop');
  }
});
