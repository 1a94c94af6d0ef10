// Streams whose upstream packs several events into one write (a burst, as the canned benchmark
// upstream and a busy backend do): the client sees the same stream as when the events come one by
// one. Until the first byte is out the gateway relays event by event, so the first token does not
// wait for the translation of the events that came with it, and a bad event later in the burst
// ends a stream that has begun rather than swallowing the good events before it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import OpenAI from 'openai';
import { startGateway, makeTempDir, writeFile, sseData } from './lib/harness.mjs';

let upstream;
let gateway;
let client;

const chunk = (content, extra = {}) => JSON.stringify({
  id: 'chatcmpl-burst', object: 'chat.completion.chunk', created: 1700000000, model: 'burst-model',
  choices: [{ index: 0, delta: { content }, finish_reason: null }], ...extra,
});

// The whole upstream body per model, written with one write (Content-Length, no chunking).
const bodies = {
  'burst-lf': ['One', ' two', ' three', ' four'].map((w) => `data: ${chunk(w)}\n\n`).join('') + 'data: [DONE]\n\n',
  'burst-crlf': ['One', ' two', ' three', ' four'].map((w) => `data: ${chunk(w)}\r\n\r\n`).join('') + 'data: [DONE]\r\n\r\n',
  'burst-then-bad': `data: ${chunk('good words')}\n\ndata: {"this is": not json\n\ndata: [DONE]\n\n`,
};

const manifests = (port) => `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: burst, namespace: default}
spec:
  rules:
${Object.keys(bodies).map((m) => `    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${m}}]}]
      backendRefs: [{name: burst}]`).join('\n')}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: burst, namespace: default}
spec: {schema: {name: OpenAI}, backendRef: {name: burst, kind: Backend, group: gateway.envoyproxy.io}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: burst, namespace: default}
spec: {endpoints: [{ip: {address: 127.0.0.1, port: ${port}}}]}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: burst-key, namespace: default}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: burst}]
  type: APIKey
  apiKey: {secretRef: {name: burst-key}}
---
apiVersion: v1
kind: Secret
metadata: {name: burst-key, namespace: default}
stringData: {apiKey: sk-burst}
`;

before(async () => {
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const answer = bodies[JSON.parse(body).model];
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  const dir = await makeTempDir();
  await writeFile(`${dir}/config/routes.yaml`, manifests(upstream.address().port));
  gateway = await startGateway({ args: ['-c', `${dir}/config`] });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await gateway?.stop();
  await new Promise((r) => upstream?.close(r));
});

for (const model of ['burst-lf', 'burst-crlf']) {
  test(`a burst of events in one upstream write arrives whole and in order (${model})`, async () => {
    const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'One two three four');
  });
}

test('a good first event written together with a malformed one reaches the client, then the error event', async () => {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'burst-then-bad', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 200, 'the stream began with the good event');
  const events = sseData(await res.text());
  assert.equal(JSON.parse(events[0]).choices[0].delta.content, 'good words');
  assert.ok(!events.includes('[DONE]'));
  const last = JSON.parse(events.at(-1));
  assert.equal(last.error.code, 'upstream_bad_response');
});
