// End-to-end: the OpenAI request features Switchyard maps onto Vertex AI beyond the basics
// (docs/spec/openai-vertex-request-fields.md), each sent with the official `openai` client through the
// real gateway to the emulator, which validates the body as Vertex's proto JSON does. Each test
// reads what the emulator received (its recorded last request) and what came back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir, writeFile, binPath } from './lib/harness.mjs';

let emulator;
let gateway;
let client;
let dir;

const manifests = (e) => `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: features, namespace: default}
spec:
  rules:
    - matches: [{headers: [{type: RegularExpression, name: x-ai-eg-model, value: "gemini-.*"}]}]
      backendRefs: [{name: emulator}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: emulator, namespace: default}
spec: {schema: {name: GCPVertexAI}, backendRef: {name: emulator, kind: Backend, group: gateway.envoyproxy.io}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: emulator, namespace: default}
spec: {endpoints: [{ip: {address: 127.0.0.1, port: ${e.port}}}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: emulator-tls, namespace: default}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: emulator}]
  validation: {hostname: localhost, caCertificateRefs: [{kind: ConfigMap, name: emulator-ca}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: emulator-ca, namespace: default}
data:
  ca.crt: ${JSON.stringify(e.caPem)}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp, namespace: default}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: emulator}]
  type: GCPCredentials
  gcpCredentials:
    projectName: e2e-project
    region: us-central1
    credentialsFile: {secretRef: {name: sa-key}}
`;

before(async () => {
  dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  const secrets = `${dir}/secrets`;
  await writeFile(`${secrets}/sa-key/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/config/routes.yaml`, manifests({ port: emulator.port, caPem: emulator.caPem }));
  gateway = await startGateway({
    args: ['-c', `${dir}/config`, '--secrets-dir', secrets],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
});

// Sends `body`, expects a 200, and returns the answer with the body the emulator accepted.
async function accepted(body) {
  const answer = await client.chat.completions.create(body);
  const stats = await emulator.stats();
  assert.match(stats.last_request_path, new RegExp(`/models/${body.model.replace(/\./g, '\\.')}:`));
  return { answer, sent: JSON.parse(stats.last_request_body) };
}

// Sends `body` and expects the gateway's own 400 naming `param` (nothing reaches the emulator).
async function refused(body, param) {
  const before = (await emulator.stats()).generate_requests_total;
  await assert.rejects(client.chat.completions.create(body), (error) => {
    assert.equal(error.status, 400);
    assert.equal(error.param, param);
    return true;
  });
  assert.equal((await emulator.stats()).generate_requests_total, before);
}

const ask = (text) => [{ role: 'user', content: text }];

test('thinking → thinkingConfig with a budget, thoughts back as reasoning_content', async () => {
  const { answer, sent } = await accepted({
    model: 'gemini-2.5-flash',
    messages: ask('think about bridges'),
    thinking: { type: 'enabled', budget_tokens: 2048 },
  });
  assert.deepEqual(sent.generationConfig.thinkingConfig, { thinkingBudget: 2048, includeThoughts: true });
  assert.match(answer.choices[0].message.reasoning_content, /Thinking about/);
  assert.ok(answer.usage.completion_tokens_details.reasoning_tokens > 0);
});

test('reasoning_effort on a Gemini 3 model → thinkingLevel (unary and streamed)', async () => {
  const { sent } = await accepted({
    model: 'gemini-3-flash-preview', messages: ask('quick one'), reasoning_effort: 'low',
  });
  assert.deepEqual(sent.generationConfig.thinkingConfig, { thinkingLevel: 'LOW', includeThoughts: true });

  const stream = await client.chat.completions.create({
    model: 'gemini-3-pro-preview', messages: ask('deeper one'), reasoning_effort: 'medium', stream: true,
  });
  let reasoning = '';
  for await (const chunk of stream) reasoning += chunk.choices[0]?.delta?.reasoning_content ?? '';
  assert.match(reasoning, /Thinking about/);
  const sentStream = JSON.parse((await emulator.stats()).last_request_body);
  assert.deepEqual(sentStream.generationConfig.thinkingConfig, { thinkingLevel: 'HIGH', includeThoughts: true });
});

test('reasoning_effort none on Gemini 3 Flash is MINIMAL; on Gemini 3 Pro it is refused', async () => {
  const { sent } = await accepted({
    model: 'gemini-3-flash-preview', messages: ask('no thinking'), reasoning_effort: 'none',
  });
  assert.deepEqual(sent.generationConfig.thinkingConfig, { thinkingLevel: 'MINIMAL' });
  await refused({ model: 'gemini-3-pro-preview', messages: ask('x'), reasoning_effort: 'none' }, 'reasoning_effort');
});

test('google_search and enterprise_search tools → googleSearch / enterpriseWebSearch with options', async () => {
  const { answer, sent } = await accepted({
    model: 'gemini-2.5-flash',
    messages: ask('latest news'),
    tools: [
      { type: 'google_search', google_search: { exclude_domains: ['example.com'], blocking_confidence: 'BLOCK_HIGH_AND_ABOVE' } },
      { type: 'enterprise_search', enterprise_search: { exclude_domains: ['spam.test'] } },
      { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } },
    ],
  });
  assert.deepEqual(sent.tools, [
    { functionDeclarations: [{ name: 'lookup', parametersJsonSchema: { type: 'object', properties: {} } }] },
    { googleSearch: { excludeDomains: ['example.com'], blockingConfidence: 'BLOCK_HIGH_AND_ABOVE' } },
    { enterpriseWebSearch: { excludeDomains: ['spam.test'] } },
  ]);
  assert.equal(answer.choices[0].finish_reason, 'stop');
  await refused({
    model: 'gemini-2.5-flash', messages: ask('x'),
    tools: [{ type: 'google_search', google_search: { time_range_filter: { start_time: '2025-01-01T00:00:00Z' } } }],
  }, 'tools[0].google_search.time_range_filter');
});

test('guided_choice → enum mode, answered with one of the choices', async () => {
  const { answer, sent } = await accepted({
    model: 'gemini-2.5-flash', messages: ask('sentiment of: great'), guided_choice: ['positive', 'negative'],
  });
  assert.equal(sent.generationConfig.responseMimeType, 'text/x.enum');
  assert.deepEqual(sent.generationConfig.responseSchema, { type: 'STRING', enum: ['positive', 'negative'] });
  assert.equal(answer.choices[0].message.content, 'positive');
});

test('guided_regex and guided_json → responseSchema pattern / responseJsonSchema', async () => {
  const regex = await accepted({ model: 'gemini-2.5-flash', messages: ask('a code'), guided_regex: '[a-z]+' });
  assert.deepEqual(regex.sent.generationConfig.responseSchema, { type: 'STRING', pattern: '[a-z]+' });
  assert.equal(regex.sent.generationConfig.responseMimeType, 'application/json');

  const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
  const guided = await accepted({ model: 'gemini-2.5-flash', messages: ask('a city'), guided_json: schema });
  assert.deepEqual(guided.sent.generationConfig.responseJsonSchema, schema);
  assert.equal(typeof JSON.parse(guided.answer.choices[0].message.content).city, 'string');

  await refused({
    model: 'gemini-2.5-flash', messages: ask('x'), guided_choice: ['a'], response_format: { type: 'json_object' },
  }, 'guided_choice');
});

test('response_format json_schema on Gemini 2.0 → responseSchema (OpenAPI subset)', async () => {
  const { answer, sent } = await accepted({
    model: 'gemini-2.0-flash-001',
    messages: ask('a person'),
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'person', strict: true,
        schema: {
          type: 'object', additionalProperties: false, required: ['name', 'age'],
          properties: { name: { type: 'string' }, age: { type: ['integer', 'null'], minimum: 0 } },
        },
      },
    },
  });
  assert.equal(sent.generationConfig.responseJsonSchema, undefined);
  assert.deepEqual(sent.generationConfig.responseSchema, {
    type: 'OBJECT', required: ['name', 'age'],
    properties: { name: { type: 'STRING' }, age: { type: 'INTEGER', nullable: true, minimum: 0 } },
  });
  const person = JSON.parse(answer.choices[0].message.content);
  assert.equal(typeof person.name, 'string');
});

test('media_resolution and image_url.detail → generationConfig.mediaResolution and part levels', async () => {
  const { answer, sent } = await accepted({
    model: 'gemini-3-pro-preview',
    media_resolution: 'low',
    messages: [{
      role: 'user',
      content: [
        { type: 'text', text: 'what is this' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
      ],
    }],
  });
  assert.equal(sent.generationConfig.mediaResolution, 'MEDIA_RESOLUTION_LOW');
  assert.deepEqual(sent.contents[0].parts[1].mediaResolution, { level: 'MEDIA_RESOLUTION_HIGH' });
  assert.match(answer.choices[0].message.content, /saw image\/png/);
});

test('tool calls replayed with foreign ids get the stand-in signature Gemini 3 requires', async () => {
  const { answer, sent } = await accepted({
    model: 'gemini-3-pro-preview',
    messages: [
      { role: 'user', content: 'weather in Paris and Rome' },
      {
        role: 'assistant', content: null,
        tool_calls: [
          { id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_02', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_01', content: '18C' },
      { role: 'tool', tool_call_id: 'toolu_02', content: '22C' },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
  });
  const calls = sent.contents[1].parts;
  assert.equal(Buffer.from(calls[0].thoughtSignature, 'base64').toString(), 'skip_thought_signature_validator');
  assert.equal(calls[1].thoughtSignature, undefined);
  assert.match(answer.choices[0].message.content, /get_weather returned/);
});

test('thinking blocks and thinking parts sent back by the client round-trip as thought parts', async () => {
  const { sent } = await accepted({
    model: 'gemini-2.5-flash',
    messages: [
      { role: 'user', content: 'first' },
      {
        role: 'assistant', content: 'answer one',
        thinking_blocks: [{ type: 'thinking', thinking: 'pondering', signature: 'c2lnLTE=' }],
      },
      {
        role: 'assistant',
        content: [{ type: 'thinking', thinking: 'more', signature: 'c2lnLTI=' }, { type: 'text', text: 'answer two' }],
      },
      { role: 'user', content: 'second' },
    ],
  });
  assert.deepEqual(sent.contents[1], {
    role: 'model',
    parts: [
      { text: 'pondering', thought: true },
      { text: 'answer one', thoughtSignature: 'c2lnLTE=' },
      { text: 'more', thought: true },
      { text: 'answer two', thoughtSignature: 'c2lnLTI=' },
    ],
  });
});

test('fields with no Vertex equivalent: user and metadata ignored, the rest refused', async () => {
  const { sent } = await accepted({
    model: 'gemini-2.5-flash', messages: ask('hi'), user: 'u-1', metadata: { run: '7' }, service_tier: 'auto',
  });
  assert.deepEqual(Object.keys(sent), ['contents']);
  await refused({ model: 'gemini-2.5-flash', messages: ask('x'), logit_bias: { 50256: -100 } }, 'logit_bias');
  await refused({ model: 'gemini-2.5-flash', messages: ask('x'), service_tier: 'flex' }, 'service_tier');
  await refused({
    model: 'gemini-2.5-flash', messages: ask('x'), parallel_tool_calls: false,
    tools: [{ type: 'function', function: { name: 'f' } }],
  }, 'parallel_tool_calls');
});

test('check accepts the global region on aiplatform.googleapis.com without a warning', async () => {
  const key = JSON.stringify(emulator.serviceAccount);
  await writeFile(`${dir}/global/secrets/sa/service_account.json`, key);
  await writeFile(`${dir}/global/config.yaml`, `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: global, namespace: default}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: gemini-3-pro-preview}]}]
      backendRefs: [{name: vertex-global}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: vertex-global, namespace: default}
spec: {schema: {name: GCPVertexAI}, backendRef: {name: vertex-global, kind: Backend, group: gateway.envoyproxy.io}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: vertex-global, namespace: default}
spec: {endpoints: [{fqdn: {hostname: aiplatform.googleapis.com, port: 443}}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: vertex-global, namespace: default}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: vertex-global}]
  validation: {hostname: aiplatform.googleapis.com, wellKnownCACertificates: System}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp-global, namespace: default}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: vertex-global}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: global, credentialsFile: {secretRef: {name: sa}}}
`);
  const res = spawnSync(binPath(), ['check', '-c', `${dir}/global/config.yaml`, '--secrets-dir', `${dir}/global/secrets`],
    { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.doesNotMatch(res.stderr, /warning/i);
  assert.match(res.stdout, /aiplatform\.googleapis\.com/);
  assert.match(res.stdout, /global/);
});
