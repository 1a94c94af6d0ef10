// The emulator speaks what Google's own clients expect: google-auth-library gets tokens from it and
// @google/genai (Vertex mode) generates, streams and calls functions against it, over real TLS with
// real RS256 assertions. Also checks its raw wire format (CRLF SSE, error bodies) and fault controls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import https from 'node:https';
import { startEmulator, makeTempDir, runNode, sseData, e2eDir } from './lib/harness.mjs';
import { signAssertion } from './lib/jwt.mjs';

const MODEL = 'gemini-2.5-flash';
const PROJECT = 'e2e-project';
const LOCATION = 'us-central1';
const modelPath = (model = MODEL, method = 'generateContent', version = 'v1') =>
  `/${version}/projects/${PROJECT}/locations/${LOCATION}/publishers/google/models/${model}:${method}`;

let emulator;
let token;
let clients;  // results of the Google-client child process

const form = (assertion) => new URLSearchParams({
  grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion,
}).toString();
const postToken = (assertion) => emulator.request('/token', {
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(assertion),
});
const generate = (body, { model = MODEL, method = 'generateContent', auth = token, query = '' } = {}) =>
  emulator.request(modelPath(model, method) + query, {
    method: 'POST', body, headers: auth ? { authorization: `Bearer ${auth}` } : {},
  });
const userText = (text) => ({ contents: [{ role: 'user', parts: [{ text }] }] });

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  token = await emulator.token();
  // One child process runs every Google-client scenario with the emulator's CA trusted.
  const job = {
    keyFile: emulator.keyFile, baseUrl: emulator.url, project: PROJECT, location: LOCATION, model: MODEL,
    steps: ['jwtToken', 'googleAuthToken', 'generate', 'stream', 'functionCall', 'jsonSchema', 'error'],
  };
  const res = await runNode(path.join(e2eDir, 'lib/google_clients.mjs'), [JSON.stringify(job)], {
    env: { NODE_EXTRA_CA_CERTS: emulator.caFile },
  });
  assert.equal(res.code, 0, res.stderr);
  clients = JSON.parse(res.stdout.trim().split('\n').at(-1));
});

after(async () => {
  await emulator?.stop();
});

test('the written key file is a service-account key pointing at the emulator', () => {
  const sa = emulator.serviceAccount;
  assert.equal(sa.type, 'service_account');
  assert.equal(sa.token_uri, `${emulator.url}/token`);
  assert.match(sa.private_key, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.match(sa.private_key_id, /^[0-9a-f]{40}$/);
  assert.match(sa.client_email, /@.+\.iam\.gserviceaccount\.com$/);
  assert.match(emulator.caPem, /BEGIN CERTIFICATE/);
});

test('google-auth-library JWT and GoogleAuth obtain tokens', () => {
  assert.ifError(clients.jwtToken.error);
  assert.match(clients.jwtToken.token, /^ya29\.emu-/);
  assert.equal(clients.jwtToken.redirected, 1);
  assert.ok(clients.jwtToken.expiry > Date.now() + 3000 * 1000);
  assert.ifError(clients.googleAuthToken.error);
  assert.match(clients.googleAuthToken.token, /^ya29\.emu-/);
  assert.equal(clients.googleAuthToken.authorization, `Bearer ${clients.googleAuthToken.token}`);
});

test('@google/genai generateContent gets the echo text and usage', () => {
  const r = clients.generate;
  assert.ifError(r.error);
  assert.equal(r.text, `[${MODEL}] echo: hello from genai (system: be brief)`);
  assert.equal(r.finishReason, 'STOP');
  assert.equal(r.modelVersion, MODEL);
  assert.ok(r.responseId);
  assert.equal(r.usage.promptTokenCount, 5);
  assert.equal(r.usage.totalTokenCount, r.usage.promptTokenCount + r.usage.candidatesTokenCount);
});

test('@google/genai generateContentStream gets word chunks and a final usage', () => {
  const r = clients.stream;
  assert.ifError(r.error);
  assert.ok(r.chunks.length >= 4, JSON.stringify(r.chunks));
  assert.equal(r.chunks.join(''), `[${MODEL}] echo: stream these four words`);
  assert.equal(r.finishReason, 'STOP');
  assert.equal(r.usage.promptTokenCount, 4);
});

test('@google/genai function call round trip with thought signature', () => {
  const r = clients.functionCall;
  assert.ifError(r.error);
  assert.deepEqual(r.calls, [{ name: 'get_weather', args: { city: 'Paris' } }]);
  assert.ok(r.signature);
  assert.equal(r.answer, `[${MODEL}] get_weather returned {"output":"18C"}`);
});

test('@google/genai structured output follows the schema', () => {
  assert.ifError(clients.jsonSchema.error);
  const person = JSON.parse(clients.jsonSchema.text);
  assert.equal(typeof person.name, 'string');
  assert.equal(person.age, 1);
  assert.deepEqual(Object.keys(person), ['name', 'age']);
});

test('@google/genai surfaces an injected 429 as an API error', () => {
  const r = clients.error;
  assert.ifError(r.error);
  assert.equal(r.thrown, true);
  assert.equal(r.status, 429);
  assert.match(r.message, /Resource exhausted/);
});

test('the raw stream is CRLF-framed data events with counts only at the end', async () => {
  const res = await generate(userText('raw stream check'), { method: 'streamGenerateContent', query: '?alt=sse' });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/event-stream/);
  assert.ok(res.body.endsWith('\r\n\r\n'));
  assert.equal(res.body.replace(/\r\n/g, '').includes('\n'), false, 'only CRLF line ends');
  assert.ok(!res.body.includes('[DONE]'));
  const events = sseData(res.body).map((d) => JSON.parse(d));
  assert.ok(events.length >= 4);
  for (const e of events.slice(0, -1)) {
    assert.deepEqual(e.usageMetadata, { trafficType: 'ON_DEMAND' });
    assert.equal(e.candidates[0].finishReason, undefined);
  }
  const last = events.at(-1);
  assert.equal(last.candidates[0].finishReason, 'STOP');
  assert.equal(last.usageMetadata.promptTokenCount, 3);
});

test('tokens: bad signature, wrong audience, long lifetime and missing scope are refused', async () => {
  const sa = emulator.serviceAccount;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cases = [
    [signAssertion(sa, {}, { key: privateKey }), 'invalid_grant', /Invalid JWT Signature/],
    [signAssertion(sa, { aud: 'https://example.com/token' }), 'invalid_grant', /audience/],
    [signAssertion(sa, { exp: Math.floor(Date.now() / 1000) + 3700 }), 'invalid_grant', /short-lived/],
    [signAssertion(sa, { scope: 'https://www.googleapis.com/auth/drive' }), 'invalid_scope', /scope/],
  ];
  for (const [assertion, error, description] of cases) {
    const res = await postToken(assertion);
    assert.equal(res.status, 400);
    assert.equal(res.json().error, error);
    assert.match(res.json().error_description, description);
  }
  const ok = await postToken(signAssertion(sa, { aud: 'https://oauth2.googleapis.com/token' }));
  assert.equal(ok.status, 200);
  assert.equal(ok.json().token_type, 'Bearer');
  assert.equal(ok.json().expires_in, 3599);
});

test('a missing or unknown bearer token is 401 UNAUTHENTICATED', async () => {
  for (const auth of [null, 'ya29.not-issued']) {
    const res = await generate(userText('x'), { auth });
    assert.equal(res.status, 401);
    assert.equal(res.json().error.status, 'UNAUTHENTICATED');
    assert.match(res.json().error.message, /invalid authentication credentials/);
  }
});

test('validation errors and unknown models use Vertex statuses and texts', async () => {
  const bad = await generate({ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json().error, { code: 400, message: 'Please use a valid role: user, model.', status: 'INVALID_ARGUMENT' });
  const streamBad = await generate({ contents: [] }, { method: 'streamGenerateContent', query: '?alt=sse' });
  assert.equal(streamBad.status, 400);
  assert.ok(Array.isArray(streamBad.json()), 'stream errors come as a one-element array');
  const missing = await generate(userText('x'), { model: 'text-bison' });
  assert.equal(missing.status, 404);
  assert.equal(missing.json().error.status, 'NOT_FOUND');
});

test('control API faults apply to the next N requests of a model, then stop', async () => {
  const model = 'gemini-2.0-flash-fault';
  await emulator.addFault({ model, fault: { status: 503, retry_after: 7 }, count: 2 });
  for (let i = 0; i < 2; i++) {
    const res = await generate(userText('x'), { model });
    assert.equal(res.status, 503);
    assert.equal(res.headers['retry-after'], '7');
    assert.equal(res.json().error.status, 'UNAVAILABLE');
  }
  assert.equal((await generate(userText('x'), { model })).status, 200);
  await emulator.clearFaults();
});

test('reset and stream_reset_after drop the connection; malformed sends a non-JSON event', async () => {
  await assert.rejects(generate(userText('x [[emulator: reset]]')), /socket hang up|ECONNRESET/);
  await assert.rejects(
    generate(userText('x y z [[emulator: stream_reset_after=2]]'), { method: 'streamGenerateContent', query: '?alt=sse' }),
    /aborted|ECONNRESET|socket hang up|premature/i);
  const malformed = await generate(userText('x y z [[emulator: stream_malformed_after=1]]'),
    { method: 'streamGenerateContent', query: '?alt=sse' });
  const events = sseData(malformed.body);
  assert.equal(events.length, 2);
  JSON.parse(events[0]);
  assert.throws(() => JSON.parse(events[1]));
});

test('hang holds the request until faults are cleared', async () => {
  const pending = generate(userText('wait [[emulator: hang]]'));
  let settled = false;
  pending.then(() => { settled = true; }, () => { settled = true; });
  // A second request on its own connection is served meanwhile.
  assert.equal((await generate(userText('meanwhile'))).status, 200);
  assert.equal(settled, false);
  await emulator.clearFaults();
  await assert.rejects(pending, /socket hang up|ECONNRESET/);
});

test('delay, chunked_body and stream_pause_ms change timing and framing, not content', async () => {
  const plain = await generate(userText('same words [[emulator: delay_ms=20, chunked_body]]'));
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['transfer-encoding'], 'chunked');
  assert.equal(plain.json().candidates[0].content.parts[0].text, `[${MODEL}] echo: same words`);
  const stream = await generate(userText('same words [[emulator: stream_pause_ms=20, chunked_body]]'),
    { method: 'streamGenerateContent', query: '?alt=sse' });
  const text = sseData(stream.body).map((d) => JSON.parse(d).candidates[0].content.parts[0].text).join('');
  assert.equal(text, `[${MODEL}] echo: same words`);
});

test('a client leaving mid-stream is counted as a disconnect', async () => {
  const before = (await emulator.stats()).client_disconnects;
  const url = new URL(`${modelPath(MODEL, 'streamGenerateContent')}?alt=sse`, emulator.url);
  await new Promise((resolve, reject) => {
    const req = https.request(url, {
      method: 'POST', ca: emulator.caPem, agent: false,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    }, (res) => {
      res.once('data', () => { req.destroy(); resolve(); });  // first event seen, then gone
    });
    req.on('error', () => {});
    req.on('close', resolve);
    req.end(JSON.stringify(userText('one two three four five six seven eight [[emulator: stream_pause_ms=300]]')));
  });
  const deadline = Date.now() + 10000;
  let after = before;
  while (after === before && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));  // polling the counter, not timing the fault
    after = (await emulator.stats()).client_disconnects;
  }
  assert.equal(after, before + 1);
});

test('stats show what arrived', async () => {
  await emulator.resetStats();
  const body = userText('stats probe');
  await generate(body, { query: '' });
  const stats = await emulator.stats();
  assert.equal(stats.generate_requests_total, 1);
  assert.equal(stats.generate_requests[MODEL], 1);
  assert.deepEqual(JSON.parse(stats.last_request_body), body);
  assert.equal(stats.last_request_headers.authorization, `Bearer ${token}`);
  assert.equal(stats.last_request_path, modelPath());
  assert.ok(stats.connections_accepted >= 1);
});
