// End-to-end: the real switchyard binary between the official `openai` client and the project's
// Vertex AI + OAuth emulator, over real TLS with real service-account token exchange.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir, writeFile, makeSelfSignedCa } from './lib/harness.mjs';

let emulator;
let gateway;
let client;
let dir;

const manifests = (e) => `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: e2e, namespace: default}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: gemini-2.5-flash}]}]
      backendRefs: [{name: emulator}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: vertex-virtual-model}]}]
      backendRefs:
        - {name: broken-dns, modelNameOverride: gemini-2.5-pro, priority: 0}
        - {name: emulator, modelNameOverride: gemini-2.5-flash, priority: 1}
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: wrong-ca-model}]}]
      backendRefs: [{name: wrong-ca, modelNameOverride: gemini-2.5-flash}]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: gpt-compatible}]}]
      backendRefs: [{name: openai-compatible, modelNameOverride: upstream-model-7b}]
    - matches: [{headers: [{type: RegularExpression, name: x-ai-eg-model, value: "gemini-.*"}]}]
      backendRefs: [{name: emulator}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: openai-compatible, namespace: default}
spec: {schema: {name: OpenAI, prefix: /openai/v1}, backendRef: {name: openai-compatible, kind: Backend, group: gateway.envoyproxy.io}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: openai-compatible, namespace: default}
spec: {endpoints: [{ip: {address: 127.0.0.1, port: ${e.openaiPort}}}]}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: openai-key, namespace: default}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: openai-compatible}]
  type: APIKey
  apiKey: {secretRef: {name: openai-key}}
---
apiVersion: v1
kind: Secret
metadata: {name: openai-key, namespace: default}
stringData: {apiKey: sk-e2e-secret-key}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: emulator, namespace: default}
spec: {schema: {name: GCPVertexAI}, backendRef: {name: emulator, kind: Backend, group: gateway.envoyproxy.io}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: broken-dns, namespace: default}
spec: {schema: {name: GCPVertexAI}, backendRef: {name: broken-dns, kind: Backend, group: gateway.envoyproxy.io}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: wrong-ca, namespace: default}
spec: {schema: {name: GCPVertexAI}, backendRef: {name: wrong-ca, kind: Backend, group: gateway.envoyproxy.io}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: emulator, namespace: default}
spec: {endpoints: [{ip: {address: 127.0.0.1, port: ${e.port}}}]}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: wrong-ca, namespace: default}
spec: {endpoints: [{ip: {address: 127.0.0.1, port: ${e.port}}}]}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: broken-dns, namespace: default}
spec: {endpoints: [{fqdn: {hostname: gemini-pro.broken.invalid, port: 443}}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: emulator-tls, namespace: default}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: emulator}]
  validation: {hostname: localhost, caCertificateRefs: [{kind: ConfigMap, name: emulator-ca}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: wrong-ca-tls, namespace: default}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: wrong-ca}]
  validation: {hostname: localhost, caCertificateRefs: [{kind: ConfigMap, name: other-ca}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: broken-tls, namespace: default}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: broken-dns}]
  validation: {hostname: gemini-pro.broken.invalid, wellKnownCACertificates: System}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: emulator-ca, namespace: default}
data:
  ca.crt: ${JSON.stringify(e.caPem)}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other-ca, namespace: default}
data:
  ca.crt: ${JSON.stringify(e.otherCaPem)}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp, namespace: default}
spec:
  targetRefs:
    - {group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: emulator}
    - {group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: broken-dns}
    - {group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: wrong-ca}
  type: GCPCredentials
  gcpCredentials:
    projectName: e2e-project
    region: us-central1
    credentialsFile: {secretRef: {name: sa-key}}
`;

// A minimal OpenAI-compatible upstream that records what it was sent.
let openaiUpstream;
const openaiSeen = [];

before(async () => {
  openaiUpstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      openaiSeen.push({ url: req.url, headers: req.headers, body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id: 'chatcmpl-upstream', object: 'chat.completion', created: 1700000000, model: 'upstream-model-7b',
        choices: [{ index: 0, message: { role: 'assistant', content: 'from the OpenAI-schema backend', refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
      }));
    });
  });
  await new Promise((r) => openaiUpstream.listen(0, '127.0.0.1', r));
  dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  const otherCaPem = await makeSelfSignedCa(dir, 'other');
  const secrets = `${dir}/secrets`;
  await writeFile(`${secrets}/sa-key/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/config/routes.yaml`, manifests({
    port: emulator.port, caPem: emulator.caPem, otherCaPem, openaiPort: openaiUpstream.address().port,
  }));
  gateway = await startGateway({
    dir,
    args: ['-c', `${dir}/config`, '--secrets-dir', secrets],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
  openaiUpstream?.close();
});

test('text answer travels through the gateway', async () => {
  const res = await client.chat.completions.create({
    model: 'gemini-2.5-flash',
    messages: [{ role: 'user', content: 'hello switchyard' }],
  });
  assert.equal(res.object, 'chat.completion');
  assert.equal(res.choices[0].message.role, 'assistant');
  assert.match(res.choices[0].message.content, /hello switchyard/);
  assert.equal(res.choices[0].finish_reason, 'stop');
  assert.equal(res.model, 'gemini-2.5-flash');
  assert.ok(res.usage.prompt_tokens > 0);
  assert.equal(res.usage.total_tokens, res.usage.prompt_tokens + res.usage.completion_tokens);
  const seen = await emulator.stats();
  assert.match(seen.last_request_headers.authorization ?? seen.last_request_headers.Authorization, /^Bearer ya29\./);
});

test('system and multi-turn messages reach Vertex as systemInstruction and contents', async () => {
  await client.chat.completions.create({
    model: 'gemini-2.5-flash',
    messages: [
      { role: 'system', content: 'be terse' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'answer one' },
      { role: 'user', content: 'second' },
    ],
  });
  const sent = JSON.parse((await emulator.stats()).last_request_body);
  assert.deepEqual(sent.systemInstruction.parts, [{ text: 'be terse' }]);
  assert.deepEqual(sent.contents.map((c) => c.role), ['user', 'model', 'user']);
  assert.equal(sent.contents[2].parts[0].text, 'second');
});

test('a regular-expression rule routes other gemini models', async () => {
  const res = await client.chat.completions.create({
    model: 'gemini-2.0-flash-lite',
    messages: [{ role: 'user', content: 'regex route' }],
  });
  assert.equal(res.model, 'gemini-2.0-flash-lite');
});

test('tool call and tool result round trip', async () => {
  const tools = [{
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  }];
  const messages = [{ role: 'user', content: 'call get_weather for Paris' }];
  const first = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages, tools, tool_choice: 'required' });
  assert.equal(first.choices[0].finish_reason, 'tool_calls');
  const call = first.choices[0].message.tool_calls[0];
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.equal(typeof JSON.parse(call.function.arguments).city, 'string');

  messages.push(first.choices[0].message);
  messages.push({ role: 'tool', tool_call_id: call.id, content: '18C and cloudy' });
  const second = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages, tools });
  assert.equal(second.choices[0].finish_reason, 'stop');
  const sent = JSON.parse((await emulator.stats()).last_request_body);
  const modelTurn = sent.contents.find((c) => c.role === 'model');
  assert.equal(modelTurn.parts[0].functionCall.name, 'get_weather');
  assert.ok(modelTurn.parts[0].thoughtSignature, 'the thought signature must be replayed');
  const answer = sent.contents.at(-1).parts[0].functionResponse;
  assert.equal(answer.name, 'get_weather');
  assert.match(JSON.stringify(answer.response), /18C and cloudy/);
});

test('an image given as a data URI reaches Vertex as inlineData', async () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');
  const res = await client.chat.completions.create({
    model: 'gemini-2.5-flash',
    messages: [{ role: 'user', content: [
      { type: 'text', text: 'what is this' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
    ] }],
  });
  assert.match(res.choices[0].message.content, /image\/png/);
  const sent = JSON.parse((await emulator.stats()).last_request_body);
  assert.deepEqual(sent.contents[0].parts[1].inlineData, { mimeType: 'image/png', data: png });
});

test('json_schema response format gives JSON matching the schema', async () => {
  const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] };
  const res = await client.chat.completions.create({
    model: 'gemini-2.5-flash',
    messages: [{ role: 'user', content: 'give me a person' }],
    response_format: { type: 'json_schema', json_schema: { name: 'person', schema } },
  });
  const person = JSON.parse(res.choices[0].message.content);
  assert.equal(typeof person.name, 'string');
  assert.equal(typeof person.age, 'number');
  const sent = JSON.parse((await emulator.stats()).last_request_body);
  assert.equal(sent.generationConfig.responseMimeType, 'application/json');
  assert.deepEqual(sent.generationConfig.responseJsonSchema, schema);
});

test('an upstream 429 keeps its status and message in the OpenAI envelope', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'x [[emulator: status=429]]' }] }),
    (err) => {
      assert.equal(err.status, 429);
      assert.match(err.message, /Resource exhausted/i);
      assert.equal(err.error?.type ?? err.type, 'rate_limit_error');
      return true;
    });
});

test('an unknown model is a 404 with code model_not_found', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    (err) => {
      assert.equal(err.status, 404);
      assert.equal(err.code, 'model_not_found');
      return true;
    });
});

test('bad JSON and a missing model are 400 in the OpenAI envelope', async () => {
  for (const body of ['{"model": ', '{"messages":[{"role":"user","content":"x"}]}', '[]']) {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body,
    });
    assert.equal(res.status, 400, body);
    const err = (await res.json()).error;
    assert.equal(err.type, 'invalid_request_error');
    assert.ok(err.message.length > 0);
    assert.ok('param' in err && 'code' in err);
  }
});

test('wrong method is 405 and wrong content type is 415', async () => {
  const get = await fetch(`${gateway.url}/v1/chat/completions`);
  assert.equal(get.status, 405);
  const xml = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<a/>' });
  assert.equal(xml.status, 415);
  assert.equal((await xml.json()).error.type, 'invalid_request_error');
});

test('model names that could change the upstream path are refused before anything is sent', async () => {
  const before = (await emulator.stats()).generate_requests_total;
  for (const model of ['gemini-2.5-flash/../../x', 'gemini-2.5-flash?alt=1', 'gemini-2.5-flash#x', 'gemini-%2e%2e', 'gemini-2.5 flash', 'gemini-\u0001']) {
    await assert.rejects(
      client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }),
      (err) => { assert.equal(err.status, 400, model); return true; });
  }
  assert.equal((await emulator.stats()).generate_requests_total, before);
});

test('a backend behind a CA we do not trust fails with 502 and no request reaches it', async () => {
  const before = await emulator.stats();
  await assert.rejects(
    client.chat.completions.create({ model: 'wrong-ca-model', messages: [{ role: 'user', content: 'x' }] }),
    (err) => { assert.equal(err.status, 502); assert.match(err.message, /certificate|verify|tls/i); return true; });
  const after = await emulator.stats();
  assert.equal(after.generate_requests_total, before.generate_requests_total);
});

test('many requests share one token fetch', async () => {
  const before = (await emulator.stats()).tokens_issued;
  await Promise.all(Array.from({ length: 20 }, (_, i) => client.chat.completions.create({
    model: 'gemini-2.5-flash', messages: [{ role: 'user', content: `parallel ${i}` }],
  })));
  assert.equal((await emulator.stats()).tokens_issued, before, 'the cached token is reused');
  assert.ok(before >= 1);
});

test('GET /v1/models lists the exact-match models', async () => {
  const list = await client.models.list();
  const ids = list.data.map((m) => m.id);
  assert.deepEqual(ids, ['gemini-2.5-flash', 'vertex-virtual-model', 'wrong-ca-model', 'gpt-compatible']);
  for (const m of list.data) {
    assert.equal(m.object, 'model');
    assert.equal(typeof m.created, 'number');
    assert.equal(typeof m.owned_by, 'string');
  }
});

test('the virtual model falls back from an unresolvable primary to the emulator', async () => {
  const res = await client.chat.completions.create({
    model: 'vertex-virtual-model',
    messages: [{ role: 'user', content: 'fallback please' }],
  });
  assert.equal(res.model, 'gemini-2.5-flash');
  assert.match(res.choices[0].message.content, /fallback please/);
  // Access-log lines are written in batches (every 50 ms), off the request path.
  let log;
  for (let i = 0; i < 100 && !log; i++) {
    log = gateway.accessLog().find((l) => l['gen_ai.request.model'] === 'vertex-virtual-model');
    if (!log) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(log, 'access log line written');
  assert.deepEqual(log.attempts.map((a) => a.outcome), ['upstream_dns', 'ok']);
});

test('an OpenAI-schema backend gets the request with its prefix, model override and API key', async () => {
  const res = await client.chat.completions.create({
    model: 'gpt-compatible', temperature: 0.25, messages: [{ role: 'user', content: 'passthrough' }],
  });
  assert.equal(res.choices[0].message.content, 'from the OpenAI-schema backend');
  assert.equal(res.model, 'upstream-model-7b');
  const seen = openaiSeen.at(-1);
  assert.equal(seen.url, '/openai/v1/chat/completions');
  assert.equal(seen.headers.authorization, 'Bearer sk-e2e-secret-key');
  assert.equal(seen.body.model, 'upstream-model-7b');
  assert.equal(seen.body.temperature, 0.25);
  assert.deepEqual(seen.body.messages, [{ role: 'user', content: 'passthrough' }]);
  const dump = await (await fetch(`${gateway.adminUrl}/config_dump`)).text();
  assert.ok(!dump.includes('sk-e2e-secret-key'), 'the API key is redacted in /config_dump');
  assert.ok(!dump.includes('PRIVATE KEY'), 'the service-account key is redacted in /config_dump');
});
