// Rate limits (Envoy Gateway BackendTrafficPolicy rateLimit with Envoy AI Gateway llmRequestCosts)
// against a real redis-server started here: two Switchyard replicas share one per-tenant token
// budget, per-model and request-cost-only limits, a CEL cost, shadow mode, Redis going away and
// coming back, the x-ratelimit-* headers, and 429 in the Anthropic envelope.
//
// Budgets are per Hour and every tenant name is new per run, so no window boundary can split a
// test (the one-minute windows of a real deployment behave the same, only shorter).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir, writeFile, request, closedPort, jsonLine } from './lib/harness.mjs';
import { vertexBackend } from './lib/manifests.mjs';
import { startRedis } from './lib/redis.mjs';

const TOKEN_BUDGET = 400;  // tokens per hour per tenant, shared by both replicas
const HOT_LIMIT = 2000;  // requests per hour, hammered by both replicas at once
const run = Math.random().toString(36).slice(2, 8);

let redis;
let emulator;
let replicas = [];
let clients = [];

// --- manifests ---------------------------------------------------------------------------------

function aiRoute(name, models, { costs = '', backend = 'emu', override } = {}) {
  override ??= backend === 'emu' ? 'gemini-2.5-flash' : undefined;
  return `
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: ${name}}
spec:
  rules:
    - matches: [${models.map((m) => `{headers: [{type: Exact, name: x-ai-eg-model, value: "${m}"}]}`).join(', ')}]
      backendRefs: [{name: ${backend}${override ? `, modelNameOverride: '${override}'` : ''}}]
${costs}`;
}

function policy(name, rules) {
  return `
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: ${name}}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: ${name}}]
  rateLimit:
    type: Global
    global:
      rules:
${rules}`;
}

const SONNET = 'claude-sonnet-4@20250514';

function manifests() {
  let yaml = `
apiVersion: v1
kind: ConfigMap
metadata: {name: ca}
data: {ca.crt: ${JSON.stringify(emulator.caPem)}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: emu}, {group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: claude}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1, credentialsFile: {secretRef: {name: sa}}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: claude}
spec: {schema: {name: GCPAnthropic}, backendRef: {name: claude}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: claude}
spec: {endpoints: [{ip: {address: 127.0.0.1, port: ${emulator.port}}}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: claude}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: claude}]
  validation: {hostname: localhost, caCertificateRefs: [{kind: ConfigMap, name: ca}]}
`;
  yaml += vertexBackend('emu', { port: emulator.port });

  // One token budget per tenant: each request only checks it, its answer's total tokens are charged.
  yaml += aiRoute('budget', ['gemini-2.5-flash'], { costs: `
  llmRequestCosts:
    - {metadataKey: llm_total_token, type: TotalToken}` });
  yaml += policy('budget', `
        - clientSelectors: [{headers: [{name: x-tenant-id, type: Distinct}]}]
          limit: {requests: ${TOKEN_BUDGET}, unit: Hour}
          cost:
            request: {from: Number, number: 0}
            response: {from: Metadata, metadata: {namespace: io.envoy.ai_gateway, key: llm_total_token}}`);

  // Per model: 3 requests an hour for one of the route's two models.
  yaml += aiRoute('per-model', [`pm-limited-${run}`, `pm-free-${run}`]);
  yaml += policy('per-model', `
        - clientSelectors: [{headers: [{name: x-ai-eg-model, type: Exact, value: "pm-limited-${run}"}]}]
          limit: {requests: 3, unit: Hour}`);

  // Request cost only (the default number: 1), and the countdown of the headers.
  yaml += aiRoute('countdown', [`countdown-${run}`]);
  yaml += policy('countdown', `
        - limit: {requests: 5, unit: Hour}`);

  // A CEL cost: input tokens plus ten times the output tokens.
  yaml += aiRoute('cel', [`cel-${run}`], { costs: `
  llmRequestCosts:
    - {metadataKey: weighted, type: CEL, cel: "input_tokens + output_tokens * uint(10)"}` });
  yaml += policy('cel', `
        - limit: {requests: 100000, unit: Hour}
          cost:
            request: {from: Number, number: 0}
            response: {from: Metadata, metadata: {namespace: io.envoy.ai_gateway, key: weighted}}`);

  // Shadow mode: a limit of 1 that never refuses.
  yaml += aiRoute('shadow', [`shadow-${run}`]);
  yaml += policy('shadow', `
        - limit: {requests: 1, unit: Hour}
          shadowMode: true`);

  // Redis going away: 2 requests an hour, failing open.
  yaml += aiRoute('outage', [`outage-${run}`]);
  yaml += policy('outage', `
        - limit: {requests: 2, unit: Hour}`);

  // A busy limit: large enough (>= 1000) for each worker to admit on its estimate far from it.
  yaml += aiRoute('hot', [`hot-${run}`]);
  yaml += policy('hot', `
        - limit: {requests: ${HOT_LIMIT}, unit: Hour}`);

  // Claude on Vertex charged the tokens it wrote to its prompt cache (Anthropic's
  // cache_creation_input_tokens, which OpenAI's usage has no field for).
  yaml += aiRoute('cache-writes', [`claude-cache-${run}`], { backend: 'claude', override: SONNET, costs: `
  llmRequestCosts:
    - {metadataKey: cache_writes, type: CacheCreationInputToken}` });
  yaml += policy('cache-writes', `
        - limit: {requests: 900, unit: Hour}
          cost:
            request: {from: Number, number: 0}
            response: {from: Metadata, metadata: {namespace: io.envoy.ai_gateway, key: cache_writes}}`);

  // The Anthropic Messages API: 1 request an hour.
  yaml += aiRoute('claude-limited', [SONNET], { backend: 'claude' });
  yaml += policy('claude-limited', `
        - limit: {requests: 1, unit: Hour}`);
  return yaml;
}

// --- helpers -----------------------------------------------------------------------------------

async function metric(replica, name, labels) {
  const res = await request(`${replica.adminUrl}/metrics`);
  let total = 0;
  for (const line of res.body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

// A request's metrics are recorded as its log line is, just after the answer: poll a little.
async function settled(read, expected) {
  let value;
  for (let i = 0; i < 100 && (value = await read()) !== expected; ++i) await new Promise((r) => setTimeout(r, 20));
  return value;
}

function chat(replica, model, headers = {}, extra = {}) {
  return request(`${replica.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say something short.' }], ...extra }),
  });
}

// The first access-log line of `replica` that `pred` accepts, waiting for the next flush.
function logLine(replica, pred) {
  return replica.process.waitForLine((text, stream) => {
    const j = stream === 'stdout' ? jsonLine(text) : undefined;
    return j && pred(j) ? j : undefined;
  }, 5000);
}

// With the official client: the answer and the response headers, or the 429 as an APIError.
async function clientChat(client, model, tenant, stream) {
  const params = { model, messages: [{ role: 'user', content: 'Tell me about rate limits.' }] };
  const options = { headers: { 'x-tenant-id': tenant } };
  if (!stream) {
    const { data, response } = await client.chat.completions.create(params, options).withResponse();
    return { tokens: data.usage.total_tokens, headers: response.headers };
  }
  const { data, response } = await client.chat.completions
    .create({ ...params, stream: true, stream_options: { include_usage: true } }, options)
    .withResponse();
  let tokens = 0;
  for await (const chunk of data) if (chunk.usage) tokens = chunk.usage.total_tokens;
  return { tokens, headers: response.headers };
}

before(async () => {
  const dir = await makeTempDir();
  redis = await startRedis(await closedPort(), dir);
  emulator = await startEmulator({ dir });
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/limits.yaml`, manifests());
  const args = ['-c', `${dir}/limits.yaml`, '--secrets-dir', `${dir}/secrets`, '--workers', '1'];
  const env = { SSL_CERT_FILE: emulator.trustBundle };
  replicas = await Promise.all([
    startGateway({ args: [...args, '--redis-url', `redis://127.0.0.1:${redis.port}/0`], env }),
    // The second replica takes the URL from the environment, as a Deployment does.
    startGateway({ args, env: { ...env, SWITCHYARD_REDIS_URL: `redis://127.0.0.1:${redis.port}/0` } }),
  ]);
  clients = replicas.map((r) => new OpenAI({ baseURL: `${r.url}/v1`, apiKey: 'unused', maxRetries: 0 }));
  // Each replica's worker holds its Redis connection once the first counted request says so.
  for (const replica of replicas) {
    for (let i = 0; ; ++i) {
      const res = await chat(replica, `cel-${run}`);
      if (res.status === 200 && res.headers['x-ratelimit-limit']) break;
      if (i > 100) throw new Error(`Redis never became reachable: ${res.status} ${res.body}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});

after(async () => {
  for (const replica of replicas) await replica.stop();
  await emulator?.stop();
  await redis?.stop();
});

test('two replicas sharing Redis enforce one per-tenant token budget, unary and streamed', async () => {
  const tenant = `tenant-${run}`;
  const admitted = [0, 0];
  const refused = [0, 0];
  let largest = 0;
  for (let i = 0; i < 60 && refused[0] + refused[1] < 4; ++i) {
    const which = i % 2;
    try {
      const { tokens, headers } = await clientChat(clients[which], 'gemini-2.5-flash', tenant, i % 4 >= 2);
      assert.ok(tokens > 0);
      assert.equal(headers.get('x-ratelimit-limit'), `${TOKEN_BUDGET}, ${TOKEN_BUDGET};w=3600`);
      admitted[which] += tokens;
      largest = Math.max(largest, tokens);
    } catch (err) {
      assert.ok(err instanceof OpenAI.APIError, String(err));
      assert.equal(err.status, 429, err.message);
      assert.equal(err.error?.type ?? err.type, 'rate_limit_error');
      assert.match(err.message, new RegExp(`rate limit of ${TOKEN_BUDGET} per hour exceeded \\(BackendTrafficPolicy default/budget global rule 0\\)`));
      assert.equal(err.headers.get('x-ratelimit-remaining'), '0');
      assert.ok(Number(err.headers.get('retry-after')) > 0);
      refused[which] += 1;
    }
  }
  const total = admitted[0] + admitted[1];
  console.log(`token budget ${TOKEN_BUDGET}/hour for ${tenant}: replica A admitted ${admitted[0]} tokens, ` +
    `replica B ${admitted[1]}, together ${total}; refused A ${refused[0]}, B ${refused[1]}`);
  assert.ok(admitted[0] > 0 && admitted[1] > 0, 'both replicas served the tenant');
  assert.ok(refused[0] > 0 && refused[1] > 0, 'both replicas refuse once the shared budget is spent');
  // A request only checks the budget, so the last one admitted may pass it by its own cost.
  assert.ok(total >= TOKEN_BUDGET, `total ${total} reached the budget`);
  assert.ok(total < TOKEN_BUDGET + largest, `total ${total} passed the budget by less than one request`);

  // Another tenant has its own budget.
  const other = await clientChat(clients[1], 'gemini-2.5-flash', `other-${run}`, false);
  assert.ok(other.tokens > 0);
  assert.equal(Number(other.headers.get('x-ratelimit-remaining')), TOKEN_BUDGET);
});

test('a per-model limit applies to its model only', async () => {
  const statuses = [];
  for (let i = 0; i < 5; ++i) statuses.push((await chat(replicas[i % 2], `pm-limited-${run}`)).status);
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  for (let i = 0; i < 4; ++i) assert.equal((await chat(replicas[0], `pm-free-${run}`)).status, 200);
});

test('request-cost limits count down in x-ratelimit-* across replicas, then refuse with Retry-After', async () => {
  const remaining = [];
  for (let i = 0; i < 5; ++i) {
    const res = await chat(replicas[i % 2], `countdown-${run}`);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers['x-ratelimit-limit'], '5, 5;w=3600');
    const reset = Number(res.headers['x-ratelimit-reset']);
    assert.ok(reset > 0 && reset <= 3600, `reset ${reset}`);
    remaining.push(Number(res.headers['x-ratelimit-remaining']));
  }
  assert.deepEqual(remaining, [4, 3, 2, 1, 0]);
  const refused = await chat(replicas[1], `countdown-${run}`);
  assert.equal(refused.status, 429);
  assert.equal(refused.json().error.code, 'rate_limit_exceeded');
  assert.equal(refused.headers['x-ratelimit-remaining'], '0');
  assert.ok(Number(refused.headers['retry-after']) > 0);
  // Streamed requests are refused before anything is streamed.
  const streamed = await chat(replicas[0], `countdown-${run}`, {}, { stream: true });
  assert.equal(streamed.status, 429);
  assert.match(streamed.headers['content-type'], /application\/json/);

  // The access log names the rule that limited the request (lines are flushed every 50 ms).
  const line = await logLine(replicas[1], (l) => l['ratelimit.limited_by'] === 'default/countdown/global/0');
  assert.equal(line.response_code, 429);
  assert.equal(line.response_flags, 'RL');
  assert.equal(line['ratelimit.rules'][0].outcome, 'limited');
  assert.ok(await metric(replicas[1], 'switchyard_ratelimit_requests_total', { rule: 'default/countdown/global/0', outcome: 'limited' }) >= 1);

  // A limit this small is always checked in Redis, never on a worker's estimate.
  const checks = async (checkedOn) =>
    (await metric(replicas[0], 'switchyard_ratelimit_global_checks_total', { rule: 'default/countdown/global/0', checked_on: checkedOn })) +
    (await metric(replicas[1], 'switchyard_ratelimit_global_checks_total', { rule: 'default/countdown/global/0', checked_on: checkedOn }));
  assert.equal(await settled(() => checks('redis'), 7), 7);
  assert.equal(await checks('estimate'), 0);
});

test('a CEL cost is charged from the answer\'s usage after the answer', async () => {
  const first = await chat(replicas[0], `cel-${run}`);
  assert.equal(first.status, 200);
  const before = Number(first.headers['x-ratelimit-remaining']);
  const usage = first.json().usage;
  const expected = usage.prompt_tokens + 10 * usage.completion_tokens;
  // The charge is sent after the answer (batched, within milliseconds): the other replica's next
  // requests see it, besides what their own answers were charged.
  const weighted = (res) => res.json().usage.prompt_tokens + 10 * res.json().usage.completion_tokens;
  let after;
  let own = 0;
  for (let i = 0; i < 20; ++i) {
    const next = await chat(replicas[1], `cel-${run}`, {}, { max_tokens: 1 });
    after = Number(next.headers['x-ratelimit-remaining']) + own;
    if (before - after >= expected) break;
    own += weighted(next);
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(before - after >= expected, `remaining went from ${before} to ${after}, cost ${expected}`);
  const id = first.headers['x-request-id'];
  const line = await logLine(replicas[0], (l) => l['x-request-id'] === id);
  assert.equal(line['ratelimit.rules'][0].response_cost, expected);
  assert.equal(line['ratelimit.rules'][0].request_cost, 0);
});

test('Claude\'s cache writes are charged as CacheCreationInputToken, unary and streamed', async () => {
  const model = `claude-cache-${run}`;
  // The system prompt carries a cache breakpoint: the emulator's Claude writes it to its cache the
  // first time (one token a word) and reads it the next.
  const ask = async (label, stream) => {
    const system = `You answer for cache test ${run} ${label}: be brief, be kind, be exact.`;
    const params = {
      model,
      max_tokens: 16,
      messages: [
        { role: 'system', content: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: 'Hello there.' },
      ],
    };
    let usage;
    let id;
    if (stream) {
      const { data, response } = await clients[0].chat.completions
        .create({ ...params, stream: true, stream_options: { include_usage: true } }).withResponse();
      for await (const chunk of data) usage = chunk.usage ?? usage;
      id = response.headers.get('x-request-id');
    } else {
      const { data, response } = await clients[0].chat.completions.create(params).withResponse();
      usage = data.usage;
      id = response.headers.get('x-request-id');
    }
    const line = await logLine(replicas[0], (l) => l['x-request-id'] === id);
    return { usage, cost: line['ratelimit.rules'][0].response_cost, words: system.split(/\s+/).length };
  };
  let charged = 0;
  for (const stream of [false, true]) {
    const label = stream ? 'streamed' : 'unary';
    const written = await ask(label, stream);
    assert.equal(written.usage.prompt_tokens_details.cached_tokens, 0);
    assert.equal(written.cost, written.words, `${label}: the cache write is charged`);
    assert.equal(written.usage.prompt_tokens_details.cache_creation_input_tokens, undefined,
      'the OpenAI answer keeps to OpenAI\'s usage fields');
    const read = await ask(label, stream);
    assert.equal(read.usage.prompt_tokens_details.cached_tokens, read.words);
    assert.equal(read.cost, 0, `${label}: a cache read writes nothing`);
    charged += written.cost + read.cost;
  }
  // The charges reached the shared counter: the other replica sees them (sent in batches after
  // the answers, within milliseconds).
  let remaining;
  for (let i = 0; i < 100; ++i) {
    const res = await chat(replicas[1], model, {}, { max_tokens: 1 });
    assert.equal(res.status, 200, res.body);
    remaining = Number(res.headers['x-ratelimit-remaining']);
    if (900 - remaining >= charged) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(900 - remaining, charged);
});

test('shadow mode never refuses but counts what it would have refused', async () => {
  for (let i = 0; i < 4; ++i) assert.equal((await chat(replicas[i % 2], `shadow-${run}`)).status, 200);
  const shadowed = (await metric(replicas[0], 'switchyard_ratelimit_requests_total', { rule: 'default/shadow/global/0', outcome: 'shadow_limited' })) +
    (await metric(replicas[1], 'switchyard_ratelimit_requests_total', { rule: 'default/shadow/global/0', outcome: 'shadow_limited' }));
  assert.equal(shadowed, 3);
});

test('two replicas hammering a large limit admit at least the limit and at most one slice more each', async () => {
  // Far from the limit each replica admits on its estimate and sends its increments in batches; a
  // replica's estimate is good for at most limit/64 requests Redis has not yet counted
  // (src/ratelimit/counter_estimates.hpp), so with one worker each the window admits at most
  // limit + 2 × limit/64.
  const roundTrips = async () =>
    (await metric(replicas[0], 'switchyard_ratelimit_redis_rtt_seconds_count', {})) +
    (await metric(replicas[1], 'switchyard_ratelimit_redis_rtt_seconds_count', {}));
  const roundTripsBefore = await roundTrips();
  const checks = async (checkedOn) =>
    (await metric(replicas[0], 'switchyard_ratelimit_global_checks_total', { rule: `default/hot/global/0`, checked_on: checkedOn })) +
    (await metric(replicas[1], 'switchyard_ratelimit_global_checks_total', { rule: `default/hot/global/0`, checked_on: checkedOn }));
  let admitted = 0;
  let refused = 0;
  const loop = async (replica) => {
    for (;;) {
      const res = await chat(replica, `hot-${run}`);
      if (res.status === 429) { refused += 1; return; }
      assert.equal(res.status, 200, res.body);
      admitted += 1;
    }
  };
  const loops = [];
  for (let i = 0; i < 16; ++i) loops.push(loop(replicas[i % 2]));
  await Promise.all(loops);
  const bound = HOT_LIMIT + 2 * Math.floor(HOT_LIMIT / 64);
  console.log(`limit ${HOT_LIMIT}: admitted ${admitted}, refused ${refused}, bound ${bound}`);
  assert.ok(admitted >= HOT_LIMIT, `admitted ${admitted}`);
  assert.ok(admitted <= bound, `admitted ${admitted} > ${bound}`);
  // Most requests did not wait for Redis: fewer round trips (batches of up to 5 ms, and the checks
  // near the limit) than requests; one per request without the estimate.
  const trips = (await roundTrips()) - roundTripsBefore;
  console.log(`Redis round trips of both replicas: ${trips} for ${admitted + refused} requests`);
  assert.ok(trips < 0.75 * (admitted + refused), `${trips} round trips`);
  // The metric says which checks passed on the estimate and which waited for Redis.
  await settled(async () => (await checks('estimate')) + (await checks('redis')), admitted + refused);
  const onEstimate = await checks('estimate');
  const waited = await checks('redis');
  console.log(`checks on the estimate: ${onEstimate}, waited for Redis: ${waited}`);
  assert.ok(onEstimate > 0, 'far from the limit, checks pass on the estimate');
  assert.ok(waited > 0, 'near the limit, checks wait for Redis');
  assert.equal(onEstimate + waited, admitted + refused);
});

test('429 in the Anthropic envelope on /anthropic/v1/messages', async () => {
  const send = () => request(`${replicas[0].url}/anthropic/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: SONNET, max_tokens: 32, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  assert.equal((await send()).status, 200);
  const refused = await send();
  assert.equal(refused.status, 429);
  const body = refused.json();
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, 'rate_limit_error');
  assert.match(body.error.message, /rate limit of 1 per hour exceeded/);
  assert.equal(refused.headers['x-ratelimit-limit'], '1, 1;w=3600');
});

test('Redis stopped: requests fail open and are counted; restarted: counting resumes', async () => {
  const model = `outage-${run}`;
  await redis.stop();
  for (let i = 0; i < 4; ++i) {
    const res = await chat(replicas[i % 2], model);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.headers['x-ratelimit-limit'], undefined);
  }
  const failOpen = (await metric(replicas[0], 'switchyard_ratelimit_requests_total', { rule: 'default/outage/global/0', outcome: 'fail_open' })) +
    (await metric(replicas[1], 'switchyard_ratelimit_requests_total', { rule: 'default/outage/global/0', outcome: 'fail_open' }));
  assert.equal(failOpen, 4);
  assert.ok(await metric(replicas[0], 'switchyard_ratelimit_redis_errors_total', {}) >= 2);
  const logged = replicas[0].process.stderrLines.filter((l) => l.includes('Redis unreachable'));
  assert.equal(logged.length, 1, 'the outage is logged once');
  assert.ok(!logged[0].includes('password'));

  redis = await startRedis(redis.port, await makeTempDir());
  // Each replica reconnects by itself (back-off of at most 5 s); then the fresh Redis counts again.
  for (const replica of replicas) {
    const deadline = Date.now() + 15000;
    for (;;) {
      const res = await chat(replica, `cel-${run}`);
      if (res.headers['x-ratelimit-limit']) break;
      assert.ok(Date.now() < deadline, 'counting did not resume');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.equal((await chat(replicas[0], model)).headers['x-ratelimit-remaining'], '1');
  assert.equal((await chat(replicas[1], model)).headers['x-ratelimit-remaining'], '0');
  assert.equal((await chat(replicas[0], model)).status, 429);
  assert.ok(await metric(replicas[0], 'switchyard_ratelimit_redis_rtt_seconds_count', {}) > 0);
});
