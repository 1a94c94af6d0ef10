// End-to-end: the native Gemini API through the gateway to GCPVertexAI backends (the emulator),
// with @google/genai in Gemini API mode (API key, /v1beta/models/...) and in Vertex mode
// (service-account credentials, /v1beta1/projects/.../publishers/google/models/...), plus raw
// requests for the framings the SDK does not ask for and for what reaches the upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startEmulator, startGateway, makeTempDir, writeFile, runNode, request, sseData, e2eDir } from './lib/harness.mjs';
import { vertexBackend } from './lib/manifests.mjs';

const MODEL = 'gemini-2.5-flash';
let emulator;
let gateway;
let gemini;  // results of the SDK in Gemini API mode
let vertex;  // results of the SDK in Vertex mode

const manifests = (e) => `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: gemini}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${MODEL}}]}]
      backendRefs: [{name: emu}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: vertex-virtual-model}]}]
      backendRefs:
        - {name: broken, modelNameOverride: gemini-2.5-pro, priority: 0}
        - {name: emu, modelNameOverride: ${MODEL}, priority: 1}
${vertexBackend('emu', { port: e.port }).trim()}
${vertexBackend('broken', { fqdn: 'gemini-pro.broken.invalid', tls: false })}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ca}
data: {ca.crt: ${JSON.stringify(e.caPem)}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp}
spec:
  targetRefs:
    - {group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: emu}
    - {group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: broken}
  type: GCPCredentials
  gcpCredentials: {projectName: backend-project, region: us-central1, credentialsFile: {secretRef: {name: sa}}}
`;

const steps = ['generate', 'stream', 'functionCall', 'virtual', 'streamVirtual', 'notFound', 'error', 'countTokens'];

async function runClients(job) {
  const res = await runNode(path.join(e2eDir, 'lib/google_clients.mjs'), [JSON.stringify({ model: MODEL, steps, ...job })], {
    env: { NODE_EXTRA_CA_CERTS: emulator.caFile }, timeoutMs: 60000,
  });
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout.trim().split('\n').at(-1));
}

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/routes.yaml`, manifests(emulator));
  gateway = await startGateway({
    args: ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
  gemini = await runClients({ apiKey: 'client-api-key', baseUrl: gateway.url });
  // The client's own credentials come from the emulator too; the gateway must use its own.
  vertex = await runClients({
    keyFile: emulator.keyFile, baseUrl: gateway.url, project: 'client-project', location: 'europe-west4',
  });
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
});

for (const [mode, results] of [['Gemini API', () => gemini], ['Vertex', () => vertex]]) {
  test(`${mode} mode: generateContent answers with Vertex's response and usage`, () => {
    const r = results().generate;
    assert.ifError(r.error);
    assert.equal(r.text, `[${MODEL}] echo: hello from genai (system: be brief)`);
    assert.equal(r.finishReason, 'STOP');
    assert.equal(r.modelVersion, MODEL);
    assert.ok(r.responseId);
    assert.equal(r.usage.promptTokenCount, 5);
  });

  test(`${mode} mode: generateContentStream relays every chunk`, () => {
    const r = results().stream;
    assert.ifError(r.error);
    assert.ok(r.chunks.length >= 4, JSON.stringify(r.chunks));
    assert.equal(r.chunks.join(''), `[${MODEL}] echo: stream these four words`);
    assert.equal(r.finishReason, 'STOP');
    assert.equal(r.usage.promptTokenCount, 4);
  });

  test(`${mode} mode: function calling round trip keeps the thought signature`, () => {
    const r = results().functionCall;
    assert.ifError(r.error);
    assert.deepEqual(r.calls, [{ name: 'get_weather', args: { city: 'Paris' } }]);
    assert.ok(r.signature);
    assert.equal(r.answer, `[${MODEL}] get_weather returned {"output":"18C"}`);
  });

  test(`${mode} mode: the virtual model falls back from the broken priority-0 backend`, () => {
    assert.ifError(results().virtual.error);
    assert.equal(results().virtual.text, `[${MODEL}] echo: fall back please`);
    assert.equal(results().virtual.modelVersion, MODEL);
    assert.ifError(results().streamVirtual.error);
    assert.equal(results().streamVirtual.text, `[${MODEL}] echo: fall back in a stream`);
  });

  test(`${mode} mode: an unknown model is a 404 in Google's envelope`, () => {
    const r = results().notFound;
    assert.ifError(r.error);
    assert.equal(r.thrown, true);
    assert.equal(r.status, 404);
    const body = JSON.parse(r.message.slice(r.message.indexOf('{')));
    assert.equal(body.error.code, 404);
    assert.equal(body.error.status, 'NOT_FOUND');
    assert.match(body.error.message, /no-such-model/);
  });

  test(`${mode} mode: an upstream 429 keeps Google's status`, () => {
    const r = results().error;
    assert.ifError(r.error);
    assert.equal(r.thrown, true);
    assert.equal(r.status, 429);
    assert.match(r.message, /Resource exhausted/);
    assert.match(r.message, /RESOURCE_EXHAUSTED/);
  });

  test(`${mode} mode: countTokens through the gateway agrees with generateContent's prompt count`, () => {
    const r = results().countTokens;
    assert.ifError(r.error);
    assert.ok(r.totalTokens >= 5, JSON.stringify(r));  // 5 words (+ 2 of the system instruction)
    assert.equal(r.totalTokens, r.promptTokenCount);
  });
}

const userText = (text) => ({ contents: [{ role: 'user', parts: [{ text }] }] });
const post = (p, body, headers = {}) => request(gateway.url + p, { method: 'POST', body, headers });

test('the client credentials and query never reach Google; the backend project and model do', async () => {
  await emulator.resetStats();
  const res = await post(`/v1beta/models/${MODEL}:generateContent?key=client-query-key`,
    { model: 'models/not-this-one', ...userText('who signs this?') },
    { 'x-goog-api-key': 'client-header-key', authorization: 'Bearer client-token' });
  assert.equal(res.status, 200, res.body);
  const seen = await emulator.stats();
  assert.equal(seen.last_request_path, `/v1/projects/backend-project/locations/us-central1/publishers/google/models/${MODEL}:generateContent`);
  assert.match(seen.last_request_headers.authorization, /^Bearer ya29\.emu-/);
  assert.equal(seen.last_request_headers['x-goog-api-key'], undefined);
  assert.ok(!JSON.stringify(seen.last_request_headers).includes('client-'), JSON.stringify(seen.last_request_headers));
  assert.deepEqual(JSON.parse(seen.last_request_body), userText('who signs this?'));
});

test('the request body reaches Vertex byte for byte', async () => {
  await emulator.resetStats();
  const body = '{"contents":[{"parts":[{"text":"bytes é 日本 \\"q\\" \\u0001"}],"role":"user"}],"generationConfig":{"temperature":0.7,"maxOutputTokens":50}}';
  const res = await post(`/v1beta/models/${MODEL}:generateContent`, body);
  assert.equal(res.status, 200, res.body);
  assert.equal((await emulator.stats()).last_request_body, body);
});

test('a stream with alt=sse is SSE framed as Google frames it', async () => {
  const res = await post(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, userText('sse framing check'));
  assert.equal(res.status, 200, res.body);
  assert.match(res.headers['content-type'], /^text\/event-stream/);
  assert.equal(res.body.replace(/\r\n/g, '').includes('\n'), false, 'only CRLF line ends');
  assert.ok(res.body.startsWith('data: {') && res.body.endsWith('}\r\n\r\n'));
  const events = sseData(res.body).map((d) => JSON.parse(d));
  assert.ok(events.length >= 3);
  assert.equal(events.map((e) => e.candidates[0].content.parts[0].text).join(''), `[${MODEL}] echo: sse framing check`);
  assert.equal(events.at(-1).candidates[0].finishReason, 'STOP');
});

test('a stream without alt is the JSON array stream, as Google serves it by default', async () => {
  for (const p of [`/v1beta/models/${MODEL}:streamGenerateContent`,
    `/v1beta1/projects/x/locations/y/publishers/google/models/${MODEL}:streamGenerateContent?alt=json`]) {
    const res = await post(p, userText('array framing check'));
    assert.equal(res.status, 200, res.body);
    assert.match(res.headers['content-type'], /^application\/json/);
    assert.ok(res.body.startsWith('[{') && res.body.endsWith('}\n]'), res.body);
    const events = JSON.parse(res.body);
    assert.equal(res.body.split('\n,\r\n').length, events.length);
    assert.equal(events.map((e) => e.candidates[0].content.parts[0].text).join(''), `[${MODEL}] echo: array framing check`);
    assert.equal(events.at(-1).candidates[0].finishReason, 'STOP');
    assert.ok(events.at(-1).usageMetadata.totalTokenCount > 0);
  }
});

test('a stream with another alt is refused in Google\'s envelope', async () => {
  const res = await post(`/v1beta/models/${MODEL}:streamGenerateContent?alt=proto`, userText('x'));
  assert.equal(res.status, 400);
  assert.equal(res.json().error.status, 'INVALID_ARGUMENT');
  assert.match(res.json().error.message, /alt=proto/);
});

test('usage and the response model of a stream reach the access log', async () => {
  const res = await post(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, userText('log me'));
  assert.equal(res.status, 200);
  const last = JSON.parse(sseData(res.body).at(-1));
  let line;
  for (let i = 0; i < 50 && !line; ++i) {
    line = gateway.accessLog().find((l) => l['gen_ai.usage.input_tokens'] === last.usageMetadata.promptTokenCount &&
      l['gen_ai.usage.total_tokens'] === last.usageMetadata.totalTokenCount && l['gen_ai.request.model'] === MODEL);
    if (!line) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(line, JSON.stringify(gateway.accessLog().at(-1)));
  assert.equal(line['gen_ai.response.model'], last.modelVersion);
  assert.equal(line['gen_ai.usage.output_tokens'], last.usageMetadata.candidatesTokenCount + (last.usageMetadata.thoughtsTokenCount ?? 0));
});

test('a stream cut after its first events ends with Google\'s error event (SSE)', async () => {
  const res = await post(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`,
    userText('one two three four [[emulator: stream_malformed_after=2]]'));
  assert.equal(res.status, 200);
  const events = sseData(res.body).map((d) => JSON.parse(d));
  assert.equal(events.length, 3, res.body);
  assert.ok(events[0].candidates && events[1].candidates);
  assert.equal(events[2].error.code, 502);
  assert.equal(events[2].error.status, 'INTERNAL');
});

// The relay closes every stream with the endpoint's SSE error event; the array framing would need
// `\n,\r\n{"error":...}\n]` instead (a gateway change: the stream translator or the endpoint
// choosing the closing by framing).
test('a stream cut after its first events ends as a valid JSON array with the error last', async () => {
  const res = await post(`/v1beta/models/${MODEL}:streamGenerateContent`,
    userText('one two three four [[emulator: stream_malformed_after=2]]'));
  assert.equal(res.status, 200);
  const events = JSON.parse(res.body);
  assert.equal(events.at(-1).error.code, 502);
});
