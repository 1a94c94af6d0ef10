// Envoy AI Gateway's usage-based rate limiting example (tests/unit/config/testdata/usage-rate-limit.yaml,
// in this project's words) loaded as it is, with only its backend pointed at the emulator, against a
// real redis-server: per-user token budgets by the metadata keys the example defines (input, output,
// total from the GatewayConfig, cached input, a CEL rule), each charged after the answer; the user
// over budget gets 429 on the next request while another user is still served; x-ratelimit-*
// headers count down; a route's own policy replaces the Gateway's.
//
// The example's windows are an Hour and every user and tenant id is new per run; a run that would
// start within 20 s of the hour's end waits for the next hour first, so no window boundary splits it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { startEmulator, startGateway, makeTempDir, writeFile, request, closedPort, jsonLine, sseData, repoDir } from './lib/harness.mjs';
import { startRedis } from './lib/redis.mjs';

const run = Math.random().toString(36).slice(2, 8);
const PER_USER = 'BackendTrafficPolicy default/usage-per-user global rule';

let redis;
let emulator;
let gateway;

// The example's one backend (OpenAI schema at an in-cluster FQDN) becomes the emulator: Vertex
// schema, its address, its CA and key, and a Gemini model behind the example's model names.
function pointAtEmulator(example) {
  const substitutions = [
    [/schema:\n( +)name: OpenAI\n/, 'schema:\n$1name: GCPVertexAI\n', 1],
    [/- fqdn:\n +hostname: usage-upstream\.default\.svc\.cluster\.local\n +port: 80\n/,
      `- ip: {address: 127.0.0.1, port: ${emulator.port}}\n`, 1],
    [/(backendRefs:\n( +)- name: usage-upstream)\n/g, '$1\n$2  modelNameOverride: gemini-2.5-flash\n', 2],
  ];
  let yaml = example;
  for (const [pattern, replacement, count] of substitutions) {
    const found = yaml.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
    assert.equal(found, count, `the example changed: ${pattern} found ${found} times`);
    yaml = yaml.replace(pattern, replacement);
  }
  return `${yaml}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ca, namespace: default}
data: {ca.crt: ${JSON.stringify(emulator.caPem)}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: usage-upstream, namespace: default}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: usage-upstream}]
  validation: {hostname: localhost, caCertificateRefs: [{kind: ConfigMap, name: ca}]}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp, namespace: default}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: usage-upstream}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1, credentialsFile: {secretRef: {name: sa}}}
`;
}

// A prompt of exactly `n` input tokens for the emulator (it counts whitespace-separated words).
const words = (n) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

// One chat request and its access-log line. The line is written once the response costs have been
// charged (sent to Redis on the worker's one connection), so the next request's check sees them.
async function chat(model, headers, inputTokens, { stream = false } = {}) {
  const res = await request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model, messages: [{ role: 'user', content: words(inputTokens) }], max_tokens: 3,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    }),
  });
  const id = res.headers['x-request-id'];
  assert.ok(id, 'x-request-id');
  const line = await gateway.process.waitForLine((text, from) => {
    const j = from === 'stdout' ? jsonLine(text) : undefined;
    return j && j['x-request-id'] === id ? j : undefined;
  }, 5000);
  let usage;
  if (res.status === 200) {
    usage = stream
      ? sseData(res.body).filter((d) => d !== '[DONE]').map((d) => JSON.parse(d)).find((c) => c.usage)?.usage
      : res.json().usage;
    assert.ok(usage, `usage in ${res.body}`);
  }
  return { res, line, usage };
}

function assertRefused(res, { limit, by }) {
  assert.equal(res.status, 429, res.body);
  const error = res.json().error;
  assert.equal(error.type, 'rate_limit_error');
  assert.equal(error.code, 'rate_limit_exceeded');
  assert.match(error.message, new RegExp(`rate limit of ${limit} per hour exceeded \\(${by}\\)`));
  assert.equal(res.headers['x-ratelimit-remaining'], '0');
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(retryAfter > 0 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
}

before(async () => {
  const toHourEnd = 3600 - ((Date.now() / 1000) % 3600);
  if (toHourEnd < 20) await new Promise((r) => setTimeout(r, (toHourEnd + 1) * 1000));
  const dir = await makeTempDir();
  redis = await startRedis(await closedPort(), dir);
  emulator = await startEmulator({ dir });
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  const example = await readFile(path.join(repoDir, 'tests/unit/config/testdata/usage-rate-limit.yaml'), 'utf8');
  await writeFile(`${dir}/example.yaml`, pointAtEmulator(example));
  gateway = await startGateway({
    args: ['-c', `${dir}/example.yaml`, '--secrets-dir', `${dir}/secrets`, '--workers', '1',
      '--redis-url', `redis://127.0.0.1:${redis.port}/0`],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
  // The worker connects to Redis on its first counted request; until then rules fail open.
  for (let i = 0; ; ++i) {
    const res = await request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': `warm-up-${run}` },
      body: JSON.stringify({ model: 'usage-demo-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }),
    });
    if (res.status === 200 && res.headers['x-ratelimit-limit']) break;
    if (i > 100) throw new Error(`Redis never became reachable: ${res.status} ${res.body}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
  await redis?.stop();
});

test('each metadata key the example defines is charged per user after the answer', async () => {
  const { res, line, usage } = await chat('usage-demo-model', { 'x-user-id': `keys-${run}` }, 5);
  assert.equal(res.status, 200, res.body);
  assert.equal(usage.prompt_tokens, 5);
  assert.ok(usage.completion_tokens > 0 && usage.completion_tokens <= 3);
  assert.equal(line['ratelimit.limited_by'], null);
  const charged = Object.fromEntries(line['ratelimit.rules'].map((r) => [r.rule, r]));
  const cost = (i) => charged[`default/usage-per-user/global/${i}`];
  for (let i = 0; i < 5; ++i) {
    assert.equal(cost(i).outcome, 'allowed');
    assert.equal(cost(i).request_cost, 0, 'the example only checks the budget before the call');
  }
  assert.equal(cost(0).response_cost, 5, 'tokens_in: InputToken');
  // The route's own tokens_out (OutputToken) wins over the GatewayConfig's (CEL, twice the output).
  assert.equal(cost(1).response_cost, usage.completion_tokens, 'tokens_out: the route\'s OutputToken');
  assert.equal(cost(2).response_cost, usage.total_tokens, 'tokens_total: the GatewayConfig\'s TotalToken');
  assert.equal(cost(3).response_cost, 0, 'tokens_cached_in: nothing cached');
  assert.equal(cost(4).response_cost, 0, 'tokens_by_rule: the CEL rule costs nothing unless 7 input tokens');
});

test('the input budget (20 an hour per x-user-id) counts down, refuses its user, serves another', async () => {
  const user = `alice-${run}`;
  const remaining = [];
  for (let i = 0; i < 4; ++i) {
    // The third request is streamed: its usage is charged the same way once the stream ends.
    const { res, usage } = await chat('usage-demo-model', { 'x-user-id': user }, 5, { stream: i === 2 });
    assert.equal(res.status, 200, res.body);
    assert.equal(usage.prompt_tokens, 5);
    // The rule nearest its limit speaks: the input budget.
    assert.equal(res.headers['x-ratelimit-limit'], '20, 20;w=3600');
    const reset = Number(res.headers['x-ratelimit-reset']);
    assert.ok(reset > 0 && reset <= 3600, `reset ${reset}`);
    remaining.push(Number(res.headers['x-ratelimit-remaining']));
  }
  // Each request sees what the ones before it were charged (it checks, it is charged after).
  assert.deepEqual(remaining, [20, 15, 10, 5]);

  const refused = await chat('usage-demo-model', { 'x-user-id': user }, 1);
  assertRefused(refused.res, { limit: 20, by: `${PER_USER} 0` });
  assert.equal(refused.line['ratelimit.limited_by'], 'default/usage-per-user/global/0');
  assert.equal(refused.line.response_code, 429);
  // Streamed requests are refused the same way, before anything is streamed.
  assertRefused((await chat('usage-demo-model', { 'x-user-id': user }, 1, { stream: true })).res,
    { limit: 20, by: `${PER_USER} 0` });

  const other = await chat('usage-demo-model', { 'x-user-id': `bob-${run}` }, 5);
  assert.equal(other.res.status, 200, other.res.body);
  assert.equal(other.res.headers['x-ratelimit-remaining'], '20');
});

test('the CEL rule charges 50000000 for exactly 7 input tokens: that user is refused next', async () => {
  const user = `seven-${run}`;
  const first = await chat('usage-demo-model', { 'x-user-id': user }, 7);
  assert.equal(first.res.status, 200, first.res.body);
  const rule4 = first.line['ratelimit.rules'].find((r) => r.rule === 'default/usage-per-user/global/4');
  assert.equal(rule4.response_cost, 50000000);
  const next = await chat('usage-demo-model', { 'x-user-id': user }, 1);
  assertRefused(next.res, { limit: 2000, by: `${PER_USER} 4` });
  assert.equal(next.res.headers['x-ratelimit-limit'], '2000, 2000;w=3600');
  // Six input tokens cost nothing under that rule.
  const other = `six-${run}`;
  assert.equal((await chat('usage-demo-model', { 'x-user-id': other }, 6)).res.status, 200);
  assert.equal((await chat('usage-demo-model', { 'x-user-id': other }, 6)).res.status, 200);
});

test('a route\'s own policy replaces the Gateway\'s: total tokens per x-tenant-id for large-model', async () => {
  const tenant = `acme-${run}`;
  const headers = { 'x-tenant-id': tenant, 'x-user-id': `carol-${run}` };
  let admitted = 0;
  let largest = 0;
  let refused;
  // 60 input tokens a request: the Gateway's 20-an-hour input budget would refuse the second.
  for (let i = 0; i < 12 && !refused; ++i) {
    const { res, usage, line } = await chat('large-model', headers, 60);
    if (res.status !== 200) { refused = res; break; }
    assert.equal(res.headers['x-ratelimit-limit'], '500, 500;w=3600');
    assert.equal(Number(res.headers['x-ratelimit-remaining']), 500 - admitted);
    assert.deepEqual(line['ratelimit.rules'].map((r) => r.rule), ['default/usage-per-model/global/0']);
    admitted += usage.total_tokens;
    largest = Math.max(largest, usage.total_tokens);
  }
  assert.ok(refused, 'the tenant was refused once its budget was spent');
  assertRefused(refused, { limit: 500, by: 'BackendTrafficPolicy default/usage-per-model global rule 0' });
  assert.ok(admitted >= 500 && admitted < 500 + largest, `admitted ${admitted} tokens`);

  // The same tenant's small-model budget is its own; another tenant's large-model budget too.
  const small = await chat('small-model', headers, 60);
  assert.equal(small.res.status, 200, small.res.body);
  assert.equal(small.res.headers['x-ratelimit-limit'], '4000, 4000;w=3600');
  const other = await chat('large-model', { 'x-tenant-id': `globex-${run}` }, 60);
  assert.equal(other.res.status, 200, other.res.body);
  assert.equal(other.res.headers['x-ratelimit-remaining'], '500');
});
