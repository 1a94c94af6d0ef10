// Claude on Vertex AI in the emulator, checked with Anthropic's own client (@anthropic-ai/vertex-sdk
// authenticating through google-auth-library against the emulator's token endpoint, over real TLS)
// and on the wire: rawPredict, streamRawPredict (Anthropic's SSE), count-tokens:rawPredict,
// Anthropic's error envelope and the fault controls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startEmulator, makeTempDir, runNode, e2eDir } from './lib/harness.mjs';

const MODEL = 'claude-sonnet-4@20250514';
const PROJECT = 'e2e-project';
const LOCATION = 'us-east5';
const claudePath = (model = MODEL, method = 'rawPredict') =>
  `/v1/projects/${PROJECT}/locations/${LOCATION}/publishers/anthropic/models/${model}:${method}`;

let emulator;
let token;
let sdk;  // results of the Anthropic-client child process

const post = (body, { model = MODEL, method = 'rawPredict', auth = token } = {}) =>
  emulator.request(claudePath(model, method), {
    method: 'POST', body, headers: auth ? { authorization: `Bearer ${auth}` } : {},
  });
const ask = (content, extra = {}) => ({
  anthropic_version: 'vertex-2023-10-16', max_tokens: 100, messages: [{ role: 'user', content }], ...extra,
});
// SSE events as [name, data] pairs.
const sseEvents = (text) => text.split('\n\n').filter(Boolean).map((frame) => {
  const lines = frame.split('\n');
  return [lines[0].replace(/^event: /, ''), JSON.parse(lines[1].replace(/^data: /, ''))];
});

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  token = await emulator.token();
  const job = {
    keyFile: emulator.keyFile, baseUrl: emulator.url, project: PROJECT, location: LOCATION, model: MODEL,
    steps: ['create', 'stream', 'tools', 'streamTools', 'thinking', 'countTokens', 'error', 'badRequest', 'streamError'],
  };
  const res = await runNode(path.join(e2eDir, 'lib/anthropic_vertex_clients.mjs'), [JSON.stringify(job)], {
    env: { NODE_EXTRA_CA_CERTS: emulator.caFile },
  });
  assert.equal(res.code, 0, res.stderr);
  sdk = JSON.parse(res.stdout.trim().split('\n').at(-1));
});

after(async () => {
  await emulator?.stop();
});

test('AnthropicVertex messages.create gets the echo, stop_reason and usage', () => {
  const r = sdk.create;
  assert.ifError(r.error);
  assert.match(r.id, /^msg_vrtx_/);
  assert.equal(r.type, 'message');
  assert.equal(r.role, 'assistant');
  assert.equal(r.model, MODEL);
  assert.deepEqual(r.content, [{ type: 'text', text: `[${MODEL}] echo: hello from claude (system: be brief)` }]);
  assert.equal(r.stop_reason, 'end_turn');
  assert.deepEqual(r.usage, { input_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 8 });
});

test('AnthropicVertex messages.stream assembles the streamed text', () => {
  const r = sdk.stream;
  assert.ifError(r.error);
  assert.equal(r.types[0], 'message_start');
  assert.deepEqual(r.types.slice(-2), ['message_delta', 'message_stop']);
  assert.equal(r.texts.join(''), `[${MODEL}] echo: stream these four words`);
  assert.equal(r.final.content[0].text, r.texts.join(''));
  assert.equal(r.final.stop_reason, 'end_turn');
  assert.equal(r.final.usage.output_tokens, 6);
});

test('AnthropicVertex tool use: tool_use block, then the tool_result answered', () => {
  const r = sdk.tools;
  assert.ifError(r.error);
  assert.equal(r.stop_reason, 'tool_use');
  assert.deepEqual(r.uses.map((u) => [u.name, u.input]), [['get_weather', { city: 'Paris' }]]);
  assert.deepEqual(r.answer, [{ type: 'text', text: `[${MODEL}] get_weather returned 18C` }]);
  assert.ifError(sdk.streamTools.error);
  assert.deepEqual(sdk.streamTools.content.map((b) => [b.type, b.input]), [['tool_use', { city: 'Oslo' }]]);
});

test('AnthropicVertex thinking: signed thinking streamed with thinking/signature deltas, accepted back', () => {
  const r = sdk.thinking;
  assert.ifError(r.error);
  assert.ok(r.deltas.includes('thinking_delta'));
  assert.equal(r.deltas.indexOf('signature_delta'), r.deltas.lastIndexOf('thinking_delta') + 1);
  assert.ok(r.deltas.includes('input_json_delta'));
  assert.equal(r.first[0].type, 'thinking');
  assert.equal(r.first[0].thinking, 'Thinking about: think then call get_weather for Rome');
  assert.ok(r.first[0].signature);
  assert.deepEqual(r.first[1].input, { city: 'Rome' });
  assert.equal(r.second.at(-1).text, `[${MODEL}] get_weather returned sunny`);
});

test('AnthropicVertex messages.countTokens agrees with the input_tokens of create', () => {
  assert.ifError(sdk.countTokens.error);
  assert.deepEqual(sdk.countTokens, { input_tokens: sdk.create.usage.input_tokens });
});

test('errors surface as the SDK\'s typed errors', () => {
  assert.deepEqual([sdk.error.name, sdk.error.status, sdk.error.type], ['OverloadedError', 529, 'overloaded_error']);
  assert.deepEqual([sdk.badRequest.name, sdk.badRequest.status, sdk.badRequest.message],
    ['BadRequestError', 400, 'max_tokens: Input should be greater than or equal to 1']);
  // An `event: error` after some deltas ends the stream with the SDK's error.
  assert.equal(sdk.streamError.thrown, true);
  assert.equal(sdk.streamError.type, 'overloaded_error');
  assert.ok(sdk.streamError.texts.length > 0);
});

test('streamRawPredict sends Anthropic\'s SSE events in order, LF-framed', async () => {
  const res = await post(ask('one two', { stream: true, thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 2000 }), { method: 'streamRawPredict' });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/event-stream/);
  assert.ok(!res.body.includes('\r'));
  const events = sseEvents(res.body);
  const names = events.map(([name]) => name);
  assert.deepEqual(names.slice(0, 3), ['message_start', 'ping', 'content_block_start']);
  assert.deepEqual(names.slice(-2), ['message_delta', 'message_stop']);
  for (const [name, data] of events) assert.equal(data.type, name);
  const start = events[0][1].message;
  assert.deepEqual([start.content, start.stop_reason, start.usage.input_tokens], [[], null, 2]);
  const blocks = events.filter(([n]) => n === 'content_block_start').map(([, d]) => [d.index, d.content_block.type]);
  assert.deepEqual(blocks, [[0, 'thinking'], [1, 'text']]);
  const delta = events.at(-2)[1];
  assert.deepEqual(delta.delta, { stop_reason: 'end_turn', stop_sequence: null });
});

test('validation: Anthropic\'s 400 invalid_request_error naming the field', async () => {
  const cases = [
    [{ ...ask('x'), model: MODEL }, 'model: Extra inputs are not permitted'],
    [{ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, 'anthropic_version: Field required'],
    [{ anthropic_version: 'vertex-2023-10-16', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens: Field required'],
    [{ ...ask('x'), frobnicate: 1 }, 'frobnicate: Extra inputs are not permitted'],
    [ask('x', { messages: [{ role: 'system', content: 'x' }] }), "messages.0.role: Input should be 'user' or 'assistant'"],
    [ask('x', { thinking: { type: 'enabled', budget_tokens: 512 } }), 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024'],
    [ask('x', { temperature: 1.5 }), 'temperature: Input should be less than or equal to 1'],
  ];
  for (const [body, message] of cases) {
    const res = await post(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.deepEqual(res.json(), { type: 'error', error: { type: 'invalid_request_error', message } });
  }
});

test('401 without a token, 404 for an unknown model, both in Anthropic\'s envelope', async () => {
  const unauth = await post(ask('x'), { auth: null });
  assert.equal(unauth.status, 401);
  assert.equal(unauth.json().error.type, 'authentication_error');
  assert.match(unauth.headers['www-authenticate'], /^Bearer/);
  const unknown = await post(ask('x'), { model: 'gpt-4o' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json().error.type, 'not_found_error');
  const count = await post({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }, { model: 'count-tokens' });
  assert.deepEqual([count.status, count.json().error], [404, { type: 'not_found_error', message: 'model: nope' }]);
});

test('control-API faults by model: status with Retry-After, google_error, stats per model', async () => {
  await emulator.resetStats();
  await emulator.addFault({ model: MODEL, fault: { status: 529, retry_after: 3 } });
  const overloaded = await post(ask('x'));
  assert.equal(overloaded.status, 529);
  assert.equal(overloaded.headers['retry-after'], '3');
  assert.deepEqual(overloaded.json(), { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  await emulator.addFault({ model: MODEL, fault: { status: 429, google_error: true } });
  const quota = await post(ask('x'));
  assert.deepEqual([quota.status, quota.json().error.status], [429, 'RESOURCE_EXHAUSTED']);
  const ok = await post(ask('x [[emulator: delay_ms=10]]'));
  assert.equal(ok.json().content[0].text, `[${MODEL}] echo: x`);
  const stats = await emulator.stats();
  assert.deepEqual(stats.claude_requests, { [MODEL]: 3 });
  assert.equal(stats.faults_injected, 3);
});

test('stream faults: a cut mid-event stream and an event: error after n events', async () => {
  const cut = await post(ask('a b c [[emulator: stream_malformed_after=3]]'), { method: 'streamRawPredict' });
  assert.match(cut.body, /emulator-malformed\n\n$/);
  const failed = await post(ask('a b c [[emulator: stream_error_after=4]]'), { method: 'streamRawPredict' });
  const events = sseEvents(failed.body);
  assert.equal(events.length, 5);
  assert.deepEqual(events.at(-1), ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]);
});

test('prompt caching: the first breakpoint writes, the same prefix then reads', async () => {
  const system = [{ type: 'text', text: 'a long shared system prompt', cache_control: { type: 'ephemeral' } }];
  const first = (await post(ask('one', { system }))).json().usage;
  const second = (await post(ask('two', { system }))).json().usage;
  assert.deepEqual([first.cache_creation_input_tokens, first.cache_read_input_tokens, first.input_tokens], [5, 0, 1]);
  assert.deepEqual([second.cache_creation_input_tokens, second.cache_read_input_tokens, second.input_tokens], [0, 5, 1]);
});
