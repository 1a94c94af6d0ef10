// Gemini :countTokens in the emulator: @google/genai's models.countTokens (Vertex mode) against it,
// agreeing with generateContent's promptTokenCount, and the raw wire shape and validation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startEmulator, makeTempDir, runNode, e2eDir } from './lib/harness.mjs';

const MODEL = 'gemini-2.5-flash';
const PROJECT = 'e2e-project';
const LOCATION = 'us-central1';
const countPath = (model = MODEL) =>
  `/v1/projects/${PROJECT}/locations/${LOCATION}/publishers/google/models/${model}:countTokens`;

let emulator;
let token;
let clients;

const count = (body, { model = MODEL, auth = token } = {}) => emulator.request(countPath(model), {
  method: 'POST', body, headers: auth ? { authorization: `Bearer ${auth}` } : {},
});

before(async () => {
  emulator = await startEmulator({ dir: await makeTempDir() });
  token = await emulator.token();
  const job = {
    keyFile: emulator.keyFile, baseUrl: emulator.url, project: PROJECT, location: LOCATION, model: MODEL,
    steps: ['countTokens'],
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

test('@google/genai models.countTokens agrees with generateContent\'s promptTokenCount', () => {
  const r = clients.countTokens;
  assert.ifError(r.error);
  assert.equal(r.totalTokens, 7);  // 5 words of contents + 2 of the system instruction
  assert.equal(r.totalTokens, r.promptTokenCount);
});

test(':countTokens answers totalTokens, totalBillableCharacters and promptTokensDetails', async () => {
  const res = await count({
    contents: [{ role: 'user', parts: [{ text: 'héllo world' }, { inlineData: { mimeType: 'image/png', data: 'AAEC' } }] }],
  });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), {
    totalTokens: 3, totalBillableCharacters: 10, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 3 }],
  });
});

test(':countTokens is validated like generateContent, with CountTokensRequest\'s fields', async () => {
  const bad = await count({ contents: [{ role: 'robot', parts: [{ text: 'x' }] }] });
  assert.equal(bad.status, 400);
  assert.equal(bad.json().error.message, 'Please use a valid role: user, model.');
  const extra = await count({ contents: [{ role: 'user', parts: [{ text: 'x' }] }], safetySettings: [] });
  assert.equal(extra.status, 400);
  assert.match(extra.json().error.message, /Unknown name "safetySettings"/);
  const unauth = await count({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, { auth: null });
  assert.equal(unauth.status, 401);
  const unknown = await count({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, { model: 'gpt-4o' });
  assert.equal(unknown.status, 404);
});

test(':countTokens takes faults and is counted per model', async () => {
  await emulator.resetStats();
  await emulator.addFault({ model: MODEL, fault: { status: 429 } });
  const limited = await count({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] });
  assert.equal(limited.status, 429);
  const directed = await count({ contents: [{ role: 'user', parts: [{ text: 'x [[emulator: status=503]]' }] }] });
  assert.equal(directed.status, 503);
  const stats = await emulator.stats();
  assert.deepEqual(stats.count_tokens_requests, { [MODEL]: 2 });
  assert.equal(stats.generate_requests_total, 0);
});
