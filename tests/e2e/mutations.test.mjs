// headerMutation and bodyMutation end to end: an OpenAI-schema upstream (a recording server in this
// test) sees the route level's mutations win over the backend's, the gateway's own credential
// header untouched whatever the mutations say, and `check` refuses a mutation that sets it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import OpenAI from 'openai';
import { spawnSync } from 'node:child_process';
import { startGateway, makeTempDir, writeFile, binPath } from './lib/harness.mjs';

let upstream;
let gateway;
let client;
let dir;
const seen = [];

function manifest(port, { backendSetsAuthorization = false } = {}) {
  return `
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: mutated}]}]
      backendRefs:
        - name: upstream
          modelNameOverride: upstream-model
          headerMutation:
            set: [{name: x-team, value: route-team}, {name: x-route-only, value: r}]
            remove: [x-backend-drop]
          bodyMutation:
            set: [{path: temperature, value: "0.25"}, {path: service_tier, value: "\\"flex\\""}]
            remove: [user]
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: plain}]}]
      backendRefs: [{name: upstream, modelNameOverride: upstream-model}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: upstream}
spec:
  schema: {name: OpenAI}
  backendRef: {name: upstream, kind: Backend, group: gateway.envoyproxy.io}
  headerMutation:
    set:
      - {name: x-team, value: backend-team}
      - {name: x-backend-only, value: b}
      - {name: x-backend-drop, value: dropped-by-route}
${backendSetsAuthorization ? '      - {name: Authorization, value: Bearer stolen}\n' : ''}    remove: [authorization]
  bodyMutation:
    set: [{path: temperature, value: "0.9"}, {path: metadata, value: '{"team":"b"}'}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: upstream}
spec: {endpoints: [{ip: {address: 127.0.0.1, port: ${port}}}]}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: key}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: upstream}]
  type: APIKey
  apiKey: {secretRef: {name: key}}
---
apiVersion: v1
kind: Secret
metadata: {name: key}
stringData: {apiKey: sk-gateway-key}
`;
}

before(async () => {
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      seen.push({ headers: req.headers, body: JSON.parse(body), url: req.url });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'upstream-model',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }));
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  dir = await makeTempDir();
  await writeFile(`${dir}/routes.yaml`, manifest(upstream.address().port));
  gateway = await startGateway({ args: ['-c', `${dir}/routes.yaml`] });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
});

after(async () => {
  await gateway?.stop();
  upstream?.close();
});

const ask = (model) => client.chat.completions.create({
  model, user: 'u-1', temperature: 0.5, messages: [{ role: 'user', content: 'hi' }],
});

test('route-level mutations win over the backend level; both apply where they do not meet', async () => {
  await ask('mutated');
  const { headers, body } = seen.at(-1);
  assert.equal(headers['x-team'], 'route-team');
  assert.equal(headers['x-route-only'], 'r');
  assert.equal(headers['x-backend-only'], 'b');
  assert.equal(headers['x-backend-drop'], undefined, 'the route removes what the backend sets');
  assert.equal(body.temperature, 0.25);
  assert.equal(body.service_tier, 'flex');
  assert.deepEqual(body.metadata, { team: 'b' });
  assert.equal(body.user, undefined);
  assert.equal(body.model, 'upstream-model');
  assert.deepEqual(body.messages, [{ role: 'user', content: 'hi' }]);
});

test('the backend level alone applies to a route without mutations', async () => {
  await ask('plain');
  const { headers, body } = seen.at(-1);
  assert.equal(headers['x-team'], 'backend-team');
  assert.equal(headers['x-backend-drop'], 'dropped-by-route');
  assert.equal(body.temperature, 0.9);
  assert.equal(body.user, 'u-1');
});

test('the gateway credential survives a mutation that removes it, and the client key never passes', async () => {
  await ask('mutated');
  assert.equal(seen.at(-1).headers.authorization, 'Bearer sk-gateway-key');
  for (const request of seen) assert.ok(!JSON.stringify(request.headers).includes('client-key'));
});

test('check refuses a mutation that sets the credential header, naming the field', async () => {
  await writeFile(`${dir}/bad.yaml`, manifest(upstream.address().port, { backendSetsAuthorization: true }));
  const result = spawnSync(binPath(), ['check', '-c', `${dir}/bad.yaml`], { encoding: 'utf8' });
  const code = result.status;
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(code, 2, output);
  assert.match(output, /AIServiceBackend.*upstream.*headerMutation/i);
  assert.match(output, /authorization/i);
});
