// Upstream hardening (issue #16): an error body that never ends is read under the route's deadline
// and a size cap, a client that leaves cancels its upstream call (unary too, logged 499 / DC), and
// client-facing errors carry no credential, internal host or policy name.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir, writeFile, closedPort } from './lib/harness.mjs';
import { vertexBackend, modelRoute } from './lib/manifests.mjs';

let emulator;
let gateway;
let client;

// Names a client must never see: the backends' hosts and names, and the security policy's.
const hiddenHost = 'vertex-internal.corp.invalid';
const policyName = 'prod-gcp-credentials-policy';

// The gateway in front of one emulator: over TLS (HTTP/2 by ALPN) or plaintext (HTTP/1.1).
async function setUp(tls) {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir, tls });
  const port = emulator.port;
  const refused = await closedPort();
  const backends = ['fallback', 'endless', 'slow', 'echo', 'leaky-dns', 'leaky-refused', 'nocred'];
  let yaml = `
apiVersion: v1
kind: ConfigMap
metadata: {name: ca}
data: {ca.crt: ${JSON.stringify(emulator.caPem)}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: ${policyName}}
spec:
  targetRefs: [${backends.filter((b) => b !== 'nocred').map((n) => `{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: ${n}}`).join(', ')}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1, credentialsFile: {secretRef: {name: sa}}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: ${policyName}-broken}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: nocred}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1, credentialsFile: {secretRef: {name: sa-broken}}}
`;
  for (const b of ['fallback', 'endless', 'slow', 'echo', 'nocred']) yaml += vertexBackend(b, { port, tls });
  yaml += vertexBackend('leaky-dns', { fqdn: hiddenHost, tls });
  yaml += vertexBackend('leaky-refused', { address: '127.0.0.1', port: refused, tls });
  // An endless error body, with a fallback, under a 2 s request timeout (unary and stream).
  yaml += modelRoute('endless-fb', [{ name: 'endless', model: 'gemini-endless' }, { name: 'fallback', model: 'gemini-2.5-flash', priority: 1 }], { timeout: '2s' });
  // A slow endless error body (a piece every 100 ms), alone, 1.5 s timeout.
  yaml += modelRoute('slow-alone', [{ name: 'slow', model: 'gemini-slow' }], { timeout: '1500ms' });
  // A very slow endless error body (16 KiB a second: the cap is 4 s away), alone, 60 s timeout.
  yaml += modelRoute('crawl-alone', [{ name: 'slow', model: 'gemini-crawl' }], { timeout: '60s' });
  // A unary upstream that hangs, 60 s timeout: only the client leaving ends it.
  yaml += modelRoute('hang-alone', [{ name: 'slow', model: 'gemini-hang' }], { timeout: '60s' });
  yaml += modelRoute('echo', [{ name: 'echo', model: 'gemini-echo' }]);
  yaml += modelRoute('leaky-dns', [{ name: 'leaky-dns', model: 'gemini-2.5-flash' }]);
  yaml += modelRoute('leaky-refused', [{ name: 'leaky-refused', model: 'gemini-2.5-flash' }]);
  yaml += modelRoute('leaky-both', [{ name: 'leaky-dns', model: 'gemini-2.5-flash' }, { name: 'leaky-refused', model: 'gemini-2.5-flash', priority: 1 }]);
  yaml += modelRoute('nocred', [{ name: 'nocred', model: 'gemini-2.5-flash' }]);

  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  // A key whose token endpoint does not resolve: every request to `nocred` lacks a token.
  const broken = { ...emulator.serviceAccount, token_uri: 'https://oauth.corp.invalid/token' };
  await writeFile(`${dir}/secrets/sa-broken/service_account.json`, JSON.stringify(broken));
  await writeFile(`${dir}/routes.yaml`, yaml);
  gateway = await startGateway({
    args: ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`, '--workers', '1'],
    env: tls ? { SSL_CERT_FILE: emulator.trustBundle } : {},
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });

  const always = -1;
  await emulator.addFault({ model: 'gemini-endless', fault: { status: 500, endless_body: true }, count: always });
  await emulator.addFault({ model: 'gemini-slow', fault: { status: 429, endless_body: true, body_pause_ms: 100 }, count: always });
  await emulator.addFault({ model: 'gemini-crawl', fault: { status: 500, endless_body: true, body_pause_ms: 1000 }, count: always });
  await emulator.addFault({ model: 'gemini-hang', fault: { hang: true }, count: always });
  await emulator.addFault({ model: 'gemini-echo', fault: { status: 500, echo_headers: true }, count: always });
}

async function tearDown() {
  await emulator?.clearFaults().catch(() => {});
  await gateway?.stop();
  await emulator?.stop();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// CPU seconds the gateway process has used so far (user + system), from /proc.
function gatewayCpuSeconds() {
  const stat = readFileSync(`/proc/${gateway.process.child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;  // utime, stime in clock ticks
}

// The gateway's CPU share over `ms`: an idle gateway stays near 0.
async function cpuShareOver(ms) {
  const before = gatewayCpuSeconds();
  await sleep(ms);
  return (gatewayCpuSeconds() - before) / (ms / 1000);
}

async function waitFor(what, check, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function lastLog(model, count = 1) {
  return waitFor(`${count} access log line(s) for ${model}`, () => {
    const lines = gateway.accessLog().filter((l) => l['gen_ai.request.model'] === model);
    return lines.length >= count ? lines.at(-1) : undefined;
  });
}

const disconnects = async () => (await emulator.stats()).client_disconnects;

for (const tls of [true, false]) {
  describe(tls ? 'upstream over TLS (HTTP/2)' : 'upstream over plaintext (HTTP/1.1)', () => {
    before(() => setUp(tls));
    after(tearDown);

    test('a unary request whose primary sends an endless error body is answered by the fallback in time', async () => {
      const before = await disconnects();
      const started = Date.now();
      const res = await client.chat.completions.create({ model: 'endless-fb', messages: [{ role: 'user', content: 'endless unary' }] });
      assert.equal(res.model, 'gemini-2.5-flash');
      assert.ok(Date.now() - started < 2500, `answered after ${Date.now() - started} ms`);
      await waitFor('the emulator to see the endless body dropped', async () => (await disconnects()) > before);
      const cpu = await cpuShareOver(1000);
      assert.ok(cpu < 0.1, `gateway CPU share after the answer: ${cpu}`);
      const log = await lastLog('endless-fb');
      assert.deepEqual(log.attempts.map((a) => a.outcome), ['status_500', 'ok']);
    });

    test('a stream whose primary sends an endless error body is answered by the fallback in time', async () => {
      const before = await disconnects();
      const started = Date.now();
      const stream = await client.chat.completions.create({ model: 'endless-fb', stream: true, messages: [{ role: 'user', content: 'endless stream' }] });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      assert.match(text, /endless stream/);
      assert.ok(Date.now() - started < 2500, `answered after ${Date.now() - started} ms`);
      await waitFor('the emulator to see the endless body dropped', async () => (await disconnects()) > before);
      const cpu = await cpuShareOver(1000);
      assert.ok(cpu < 0.1, `gateway CPU share after the answer: ${cpu}`);
    });

    test('a slow endless error body ends at the request timeout with the upstream status', async () => {
      for (const stream of [false, true]) {
        const started = Date.now();
        await assert.rejects(
          client.chat.completions.create({ model: 'slow-alone', stream, messages: [{ role: 'user', content: 'slow' }] }),
          (err) => { assert.equal(err.status, 429, `stream=${stream}`); return true; });
        const took = Date.now() - started;
        assert.ok(took < 2500, `stream=${stream}: answered after ${took} ms`);
      }
    });

    test('a client leaving a stream during an endless error body cancels the upstream', async () => {
      const before = await disconnects();
      const abort = new AbortController();
      const pending = client.chat.completions.create({ model: 'crawl-alone', stream: true, messages: [{ role: 'user', content: 'leave' }] }, { signal: abort.signal });
      await waitFor('the error body to flow', async () => (await emulator.stats()).endless_body_bytes > 0);
      abort.abort();
      await assert.rejects(pending);
      await waitFor('the emulator to see the gateway leave', async () => (await disconnects()) > before, 1500);
      const cpu = await cpuShareOver(1000);
      assert.ok(cpu < 0.1, `gateway CPU share after the client left: ${cpu}`);
      const log = await lastLog('crawl-alone');
      assert.equal(log.response_flags, 'DC');
      assert.equal(log.response_code, 499);
    });

    for (const stream of [false, true]) {
      test(`a client leaving a ${stream ? 'stream before its head' : 'unary request'} closes the upstream call at once and is logged DC, not 504`, async () => {
        const before = await disconnects();
        const lines = gateway.accessLog().filter((l) => l['gen_ai.request.model'] === 'hang-alone').length;
        const abort = new AbortController();
        const started = Date.now();
        const pending = client.chat.completions.create({ model: 'hang-alone', stream, messages: [{ role: 'user', content: 'leave' }] }, { signal: abort.signal });
        await sleep(300);
        abort.abort();
        await assert.rejects(pending);
        await waitFor('the emulator to see the gateway leave', async () => (await disconnects()) > before, 2000);
        const log = await lastLog('hang-alone', lines + 1);
        assert.ok(Date.now() - started < 3000);
        assert.equal(log.response_flags, 'DC');
        assert.equal(log.response_code, 499);
      });
    }

    test('an upstream error that echoes the request headers reaches the client without the token', async () => {
      let caught;
      await assert.rejects(
        client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'echo' }] }),
        (err) => { caught = err; return true; });
      const token = (await emulator.stats()).last_request_headers.authorization.replace(/^Bearer /i, '');
      assert.match(token, /^ya29\./);
      assert.equal(caught.status, 500);
      const message = caught.error?.message ?? '';
      assert.match(message, /request headers were/, 'the rest of the upstream message is kept');
      assert.ok(!message.includes(token), `token in the client's error: ${message}`);
      assert.ok(!/ya29\./.test(message), `token-shaped text in the client's error: ${message}`);
      assert.ok(!/authorization:\s*bearer\s+\S{8}/i.test(message), message);
      await lastLog('echo');
      const output = gateway.process.output();
      assert.ok(!output.includes(token), 'the token is in no gateway log line');
    });

    for (const name of ['leaky-dns', 'leaky-refused', 'leaky-both', 'nocred']) {
      test(`a failing backend (${name}): the client's error names no host, backend or policy`, async () => {
        let caught;
        await assert.rejects(
          client.chat.completions.create({ model: name, messages: [{ role: 'user', content: 'x' }] }),
          (err) => { caught = err; return true; });
        assert.equal(caught.status, 503);
        const body = JSON.stringify(caught.error ?? {});
        assert.ok(caught.error?.message, body);
        for (const secret of [hiddenHost, 'corp.invalid', '127.0.0.1', policyName, 'sa-broken', 'oauth.', 'leaky-', 'nocred']) {
          assert.ok(!body.includes(secret), `"${secret}" in the client's error: ${body}`);
        }
        // The access log keeps what an operator needs.
        const log = await lastLog(name);
        assert.ok(log.attempts.length >= 1);
        if (name === 'leaky-dns') assert.match(log.upstream_transport_failure_reason ?? '', /vertex-internal/);
        if (name === 'nocred') assert.match(log.upstream_transport_failure_reason ?? '', new RegExp(policyName));
      });
    }
  });
}
