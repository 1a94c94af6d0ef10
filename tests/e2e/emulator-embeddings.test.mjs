// The emulator's `:predict` for text-embedding models: @google/genai (Vertex mode) embeds through it
// over real TLS with a real token, and its raw answers, limits and faults follow the README.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startEmulator, makeTempDir, runNode, e2eDir } from './lib/harness.mjs';

const PROJECT = 'e2e-project';
const LOCATION = 'us-central1';
const predictPath = (model) =>
  `/v1/projects/${PROJECT}/locations/${LOCATION}/publishers/google/models/${model}:predict`;

let emulator;
let token;
let clients;

const predict = (body, { model = 'text-embedding-005', auth = token } = {}) =>
  emulator.request(predictPath(model), {
    method: 'POST', body, headers: auth ? { authorization: `Bearer ${auth}` } : {},
  });
const norm = (values) => Math.sqrt(values.reduce((sum, x) => sum + x * x, 0));

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  token = await emulator.token();
  const job = {
    keyFile: emulator.keyFile, baseUrl: emulator.url, project: PROJECT, location: LOCATION,
    model: 'text-embedding-005', steps: ['embed', 'embedGemini', 'embedError', 'embedTooMany'],
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

test('@google/genai embedContent (text-embedding-005) gets unit vectors and statistics', async () => {
  const r = clients.embed;
  assert.ifError(r.error);
  assert.equal(r.embeddings.length, 2);
  for (const embedding of r.embeddings) {
    assert.equal(embedding.values.length, 256);
    assert.ok(Math.abs(norm(embedding.values) - 1) < 1e-5);
    assert.equal(embedding.statistics.truncated, false);
  }
  assert.equal(r.embeddings[0].statistics.tokenCount, 6);
  assert.equal(r.embeddings[1].statistics.tokenCount, 5);
  assert.equal(r.metadata.billableCharacterCount, 23 + 16);
  assert.notDeepEqual(r.embeddings[0].values, r.embeddings[1].values);

  // The SDK's calls reached :predict; its last one (embedTooMany) carried the documented body.
  const seen = await emulator.stats();
  assert.deepEqual(seen.predict_requests, { 'text-embedding-005': 2, 'gemini-embedding-001': 2 });
  assert.equal(seen.generate_requests_total, 0);
  // The SDK addresses v1beta1 unless told otherwise.
  assert.equal(seen.last_request_path, predictPath('gemini-embedding-001').replace('/v1/', '/v1beta1/'));
  assert.deepEqual(JSON.parse(seen.last_request_body), { instances: [{ content: 'a' }, { content: 'b' }] });

  // What the SDK received equals what the documented raw request gets: same text, task, size.
  const raw = await predict({
    instances: [{ content: 'What is the meaning of life?', task_type: 'RETRIEVAL_DOCUMENT' }],
    parameters: { outputDimensionality: 256 },
  });
  assert.equal(raw.status, 200);
  assert.deepEqual(raw.json().predictions[0].embeddings.values, r.embeddings[0].values);

});

test('@google/genai embedContent (gemini-embedding-001) gets 3072 dimensions by default', () => {
  const r = clients.embedGemini;
  assert.ifError(r.error);
  assert.equal(r.embeddings.length, 1);
  assert.equal(r.embeddings[0].values.length, 3072);
  assert.ok(Math.abs(norm(r.embeddings[0].values) - 1) < 1e-5);
  assert.deepEqual(r.embeddings[0].statistics, { truncated: false, tokenCount: 3 });
});

test('bad embedding requests surface as the client\'s error with the Vertex status', () => {
  assert.equal(clients.embedError.thrown, true);
  assert.equal(clients.embedError.status, 400);
  assert.match(clients.embedError.message, /INVALID_ARGUMENT/);
  assert.match(clients.embedError.message, /supports output dimensionality from 1 to 768/);
  assert.equal(clients.embedTooMany.thrown, true);
  assert.equal(clients.embedTooMany.status, 400);
  assert.match(clients.embedTooMany.message, /at most 1 instance per request/);
});

test('raw :predict: shape, determinism, truncation and limits', async () => {
  const body = { instances: [{ content: 'hello embeddings' }], parameters: { outputDimensionality: 8 } };
  const first = await predict(body);
  assert.equal(first.status, 200);
  assert.match(first.headers['content-type'], /^application\/json/);
  const answer = first.json();
  assert.deepEqual(Object.keys(answer).sort(), ['metadata', 'predictions']);
  assert.deepEqual(answer.predictions[0].embeddings.statistics, { truncated: false, token_count: 2 });
  assert.deepEqual(answer.metadata, { billableCharacterCount: 15 });
  assert.equal((await predict(body)).body, first.body);
  // No task_type embeds as RETRIEVAL_QUERY.
  const query = await predict({ instances: [{ content: 'hello embeddings', task_type: 'RETRIEVAL_QUERY' }],
    parameters: { outputDimensionality: 8 } });
  assert.equal(query.body, first.body);

  const long = Array.from({ length: 2100 }, () => 'w').join(' ');
  const cut = await predict({ instances: [{ content: long }] });
  assert.equal(cut.status, 200);
  assert.deepEqual(cut.json().predictions[0].embeddings.statistics, { truncated: true, token_count: 2048 });
  const refused = await predict({ instances: [{ content: long }], parameters: { autoTruncate: false } });
  assert.equal(refused.status, 400);
  assert.equal(refused.json().error.status, 'INVALID_ARGUMENT');

  const many = await predict({ instances: Array.from({ length: 251 }, () => ({ content: 'x' })) });
  assert.equal(many.status, 400);
  assert.match(many.json().error.message, /at most 250 instances per request; this request has 251/);
  const unknown = await predict({ instances: [{ content: 'x', mime_type: 'text/plain' }] });
  assert.equal(unknown.status, 400);
  assert.match(unknown.json().error.message, /Unknown name "mime_type" at 'instances\[0\]'/);
  assert.equal((await predict(body, { auth: null })).status, 401);
  assert.equal((await predict(body, { model: 'textembedding-gecko' })).status, 404);
});

test('faults: control API by model (Retry-After), reset, and stats for a fallback test', async () => {
  await emulator.resetStats();
  const body = { instances: [{ content: 'x' }] };
  await emulator.addFault({ model: 'text-embedding-004', fault: { status: 429, retry_after: 3 }, count: 1 });
  const limited = await predict(body, { model: 'text-embedding-004' });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers['retry-after'], '3');
  assert.equal(limited.json().error.status, 'RESOURCE_EXHAUSTED');
  assert.equal((await predict(body, { model: 'text-multilingual-embedding-002' })).status, 200);
  assert.equal((await predict(body, { model: 'text-embedding-004' })).status, 200);
  await assert.rejects(predict({ instances: [{ content: 'x [[emulator: reset]]' }] }), /socket hang up|ECONNRESET/);
  const stats = await emulator.stats();
  assert.deepEqual(stats.predict_requests,
    { 'text-embedding-004': 2, 'text-embedding-005': 1, 'text-multilingual-embedding-002': 1 });
  assert.equal(stats.predict_requests_total, 4);
  assert.equal(stats.generate_requests_total, 0);
  assert.equal(stats.faults_injected, 2);
  await emulator.clearFaults();
});
