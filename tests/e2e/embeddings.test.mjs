// POST /v1/embeddings through the real gateway to the emulator's Vertex `:predict`, driven by the
// official openai client: float and base64 answers, dimensions, batches split over the model's
// instance limit, fallback between two embedding backends, the client's 400s, and the metrics'
// operation name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir, writeFile, request } from './lib/harness.mjs';
import { vertexBackend, caConfigMap, gcpCredentialsPolicy, modelRoute } from './lib/manifests.mjs';

let emulator;
let gateway;
let client;

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  const port = emulator.port;
  let yaml = `${caConfigMap(emulator)}---${gcpCredentialsPolicy(['primary', 'secondary'])}`;
  yaml += vertexBackend('primary', { port }) + vertexBackend('secondary', { port });
  yaml += modelRoute('emb', [{ name: 'primary', model: 'text-embedding-005' }]);
  yaml += modelRoute('emb-gemini', [{ name: 'primary', model: 'gemini-embedding-001' }]);
  yaml += modelRoute('emb-fallback', [
    { name: 'primary', model: 'text-embedding-004', priority: 0 },
    { name: 'secondary', model: 'text-embedding-005', priority: 1 },
  ]);
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/routes.yaml`, yaml);
  gateway = await startGateway({
    args: ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
});

after(async () => {
  await emulator?.clearFaults().catch(() => {});
  await gateway?.stop();
  await emulator?.stop();
});

// What the emulator answers for these texts when asked directly (the oracle the gateway must match).
async function direct(model, texts, parameters) {
  const token = await emulator.token();
  const res = await emulator.request(
    `/v1/projects/p/locations/us-central1/publishers/google/models/${model}:predict`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: { instances: texts.map((content) => ({ content })), ...(parameters ? { parameters } : {}) },
    });
  assert.equal(res.status, 200, res.body);
  return res.json().predictions.map((p) => p.embeddings);
}

function assertClose(actual, expected) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) < 1e-6, `value ${i}: ${actual[i]} vs ${expected[i]}`);
}

async function lastLog(model) {
  for (let i = 0; i < 100; i++) {
    const line = gateway.accessLog().filter((l) => l['gen_ai.request.model'] === model).at(-1);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no access log line for ${model}`);
}

test('a string input comes back as floats with the upstream vector and token count', async () => {
  const res = await client.embeddings.create({ model: 'emb', input: 'the quick brown fox', encoding_format: 'float' });
  const [expected] = await direct('text-embedding-005', ['the quick brown fox']);
  assert.equal(res.object, 'list');
  assert.equal(res.data.length, 1);
  assert.equal(res.data[0].object, 'embedding');
  assert.equal(res.data[0].index, 0);
  assertClose(res.data[0].embedding, expected.values);
  assert.equal(res.usage.prompt_tokens, expected.statistics.token_count);
  assert.equal(res.usage.total_tokens, expected.statistics.token_count);
});

test('base64 (the client default) decodes to the same float32 values', async () => {
  const viaBase64 = await client.embeddings.create({ model: 'emb', input: ['alpha', 'beta gamma'] });
  const raw = await request(`${gateway.url}/v1/embeddings`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: { model: 'emb', input: ['alpha', 'beta gamma'], encoding_format: 'base64' },
  });
  assert.equal(raw.status, 200, raw.body);
  assert.equal(typeof raw.json().data[0].embedding, 'string');
  const expected = await direct('text-embedding-005', ['alpha', 'beta gamma']);
  for (let i = 0; i < 2; i++) {
    assert.equal(viaBase64.data[i].index, i);
    assertClose(viaBase64.data[i].embedding, Array.from(Float32Array.from(expected[i].values)));
  }
});

test('dimensions become outputDimensionality', async () => {
  const res = await client.embeddings.create({ model: 'emb', input: 'short', dimensions: 256, encoding_format: 'float' });
  assert.equal(res.data[0].embedding.length, 256);
  const [expected] = await direct('text-embedding-005', ['short'], { outputDimensionality: 256 });
  assertClose(res.data[0].embedding, expected.values);
});

test('inputs over the model instance limit are split into concurrent calls and merged in order', async () => {
  const texts = ['one', 'two words', 'three little words'];
  const before = (await emulator.stats()).predict_requests?.['gemini-embedding-001'] ?? 0;
  const res = await client.embeddings.create({ model: 'emb-gemini', input: texts, encoding_format: 'float' });
  const after = (await emulator.stats()).predict_requests['gemini-embedding-001'];
  assert.equal(after - before, 3, 'gemini-embedding-001 takes one instance per call');
  assert.deepEqual(res.data.map((d) => d.index), [0, 1, 2]);
  let tokens = 0;
  for (let i = 0; i < texts.length; i++) {
    const [expected] = await direct('gemini-embedding-001', [texts[i]]);
    assertClose(res.data[i].embedding, expected.values);
    tokens += expected.statistics.token_count;
  }
  assert.equal(res.usage.prompt_tokens, tokens);

  const many = Array.from({ length: 260 }, (_, i) => `text number ${i}`);
  const before005 = (await emulator.stats()).predict_requests?.['text-embedding-005'] ?? 0;
  const big = await client.embeddings.create({ model: 'emb', input: many, encoding_format: 'float' });
  const after005 = (await emulator.stats()).predict_requests['text-embedding-005'];
  assert.equal(after005 - before005, 2, '260 inputs at 250 per call');
  assert.equal(big.data.length, 260);
  assert.deepEqual(big.data.map((d) => d.index), many.map((_, i) => i));
  const [last] = await direct('text-embedding-005', [many[259]]);
  assertClose(big.data[259].embedding, last.values);
});

test('a failing primary embedding backend falls back to the next priority', async () => {
  await emulator.addFault({ model: 'text-embedding-004', fault: { status: 503 }, count: 1 });
  const res = await client.embeddings.create({ model: 'emb-fallback', input: 'fall back', encoding_format: 'float' });
  assert.equal(res.model, 'text-embedding-005');
  const log = await lastLog('emb-fallback');
  assert.deepEqual(log.attempts.map((a) => a.outcome), ['status_503', 'ok']);
  assert.equal(log.response_code, 200);
});

test('bad input is refused with an OpenAI 400 naming the param, before any upstream call', async () => {
  const before = (await emulator.stats()).predict_requests_total ?? 0;
  const cases = [
    [{ model: 'emb', input: [1, 2, 3] }, 'input'],
    [{ model: 'emb', input: [[1, 2], [3]] }, 'input'],
    [{ model: 'emb', input: [] }, 'input'],
    [{ model: 'emb', input: 'x', encoding_format: 'int8' }, 'encoding_format'],
    [{ model: 'emb', input: 'x', dimensions: 0 }, 'dimensions'],
    [{ input: 'x' }, 'model'],
  ];
  for (const [body, param] of cases) {
    const res = await request(`${gateway.url}/v1/embeddings`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body,
    });
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.body}`);
    const error = res.json().error;
    assert.equal(error.param, param, JSON.stringify(error));
    assert.ok(error.message);
  }
  const unknown = await request(`${gateway.url}/v1/embeddings`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: { model: 'nope', input: 'x' },
  });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json().error.code, 'model_not_found');
  const get = await request(`${gateway.url}/v1/embeddings`);
  assert.equal(get.status, 405);
  assert.equal((await emulator.stats()).predict_requests_total ?? 0, before);
});

test('metrics label embeddings with their own operation name', async () => {
  await client.embeddings.create({ model: 'emb', input: 'metrics', encoding_format: 'float' });
  const res = await request(`${gateway.adminUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.body, /gen_ai_server_request_duration_seconds_count\{[^}]*gen_ai_operation_name="embeddings"[^}]*\} [1-9]/);
  assert.match(res.body, /gen_ai_client_token_usage_count\{gen_ai_token_type="input"[^}]*gen_ai_operation_name="embeddings"/);
  assert.doesNotMatch(res.body, /gen_ai_client_token_usage_count\{gen_ai_token_type="output"[^}]*gen_ai_operation_name="embeddings"/);
});
