// The gateway's upstream client over HTTP/2 against the emulator (h2 chosen by ALPN): many
// concurrent requests share one TLS connection, a small SETTINGS_MAX_CONCURRENT_STREAMS brings more
// connections, and neither a GOAWAY mid-load nor a refused stream costs a request. Counted by the
// gateway's own /metrics (connections opened, TLS handshakes) and the emulator's stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startEmulator, startGateway, makeTempDir, request, writeFile } from './lib/harness.mjs';
import { writeEmulatorSetup, vertexBackend, caConfigMap, gcpCredentialsPolicy, modelRoute } from './lib/manifests.mjs';

const MODEL = 'gemini-2.5-flash';

// One emulator (with `emulatorArgs`) and a one-worker gateway in front of it, for `body`.
async function withGateway(emulatorArgs, body) {
  const dir = await makeTempDir();
  const emulator = await startEmulator({ dir, args: emulatorArgs });
  let gateway;
  try {
    const args = await writeEmulatorSetup(dir, emulator);
    gateway = await startGateway({
      args: [...args, '--workers', '1'],
      env: { SSL_CERT_FILE: emulator.trustBundle },
    });
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
    await body({ emulator, gateway, client });
  } finally {
    await gateway?.stop();
    await emulator.stop();
  }
}

// A counter of the gateway's /metrics, summed over the series whose labels include `wanted`.
async function metric(gateway, name, wanted) {
  const res = await request(`${gateway.adminUrl}/metrics`);
  assert.equal(res.status, 200);
  const family = parsePrometheusTextFormat(res.body).find((f) => f.name === name);
  return (family?.metrics ?? [])
    .filter((m) => Object.entries(wanted).every(([k, v]) => (m.labels ?? {})[k] === v))
    .reduce((sum, m) => sum + Number(m.value), 0);
}

const ask = (content) => ({ model: MODEL, messages: [{ role: 'user', content }] });

async function streamed(client, content) {
  const stream = await client.chat.completions.create({ ...ask(content), stream: true });
  let text = '';
  let finish;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  return { text, finish };
}

test('sixty concurrent requests, unary and streamed, ride one TLS connection', async () => {
  await withGateway([], async ({ emulator, gateway, client }) => {
    const unary = Array.from({ length: 30 }, (_, i) => client.chat.completions.create(ask(`unary ${i}`)));
    const streams = Array.from({ length: 30 }, (_, i) => streamed(client, `streamed ${i}`));
    for (const answer of await Promise.all(unary)) assert.equal(answer.choices[0].finish_reason, 'stop');
    for (const answer of await Promise.all(streams)) {
      assert.equal(answer.finish, 'stop');
      assert.ok(answer.text.length > 0);
    }
    const upstream = `127.0.0.1:${emulator.port}`;
    assert.equal(await metric(gateway, 'switchyard_upstream_connections_opened_total', { upstream }), 1);
    assert.equal(await metric(gateway, 'switchyard_tls_handshakes_total', { upstream, outcome: 'ok' }), 1);
    assert.equal((await emulator.stats()).generate_requests_total, 60);
  });
});

test('two streams per connection: twelve open streams take six connections and all complete', async () => {
  await withGateway(['--h2-max-streams', '2'], async ({ emulator, gateway, client }) => {
    // Each stream pauses after its first event, so all twelve are open at once.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      streamed(client, `held open ${i} [[emulator: stream_pause_ms=400]]`)));
    for (const answer of answers) assert.equal(answer.finish, 'stop');
    const upstream = `127.0.0.1:${emulator.port}`;
    assert.ok(await metric(gateway, 'switchyard_upstream_connections_opened_total', { upstream }) >= 6);
    assert.equal(await metric(gateway, 'switchyard_upstream_attempts_total', { outcome: 'ok' }), 12);
  });
});

test('a GOAWAY every five streams mid-load, and a refused stream, cost no request', async () => {
  await withGateway(['--h2-goaway-after', '5'], async ({ emulator, gateway, client }) => {
    await emulator.addFault({ model: MODEL, fault: { refuse_stream: true }, count: 1 });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      client.chat.completions.create(ask(`load ${i}`))));
    for (const answer of answers) assert.equal(answer.choices[0].finish_reason, 'stop');
    assert.equal(await metric(gateway, 'switchyard_upstream_attempts_total', { outcome: 'ok' }), 40);
    assert.equal(await metric(gateway, 'switchyard_upstream_attempts_total', {}), 40);  // no fallback
    const upstream = `127.0.0.1:${emulator.port}`;
    assert.ok(await metric(gateway, 'switchyard_upstream_connections_opened_total', { upstream }) >= 8);
  });
});

// BackendTrafficPolicy retryOn.triggers, Envoy's meaning: refused-stream retries exactly the
// streams the backend refused (REFUSED_STREAM: not processed), reset every reset, refused ones
// included. The upstream client sends a refused request again once on its own, so two refusals in
// a row fail an attempt.
test('retry trigger refused-stream retries a refused stream and nothing else; reset covers it too', async () => {
  const dir = await makeTempDir();
  const emulator = await startEmulator({ dir });
  let gateway;
  try {
    const policies = { 'refused-only': '[refused-stream]', 'reset-only': '[reset]', 'connect-only': '[connect-failure]' };
    let yaml = `${caConfigMap(emulator)}---${gcpCredentialsPolicy(['emu'])}${vertexBackend('emu', { port: emulator.port }).trim()}`;
    for (const [name, triggers] of Object.entries(policies)) {
      yaml += modelRoute(name, [{ name: 'emu', model: `gemini-${name}` }]);
      yaml += `
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: ${name}}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: ${name}}]
  retry:
    numRetries: 2
    retryOn: {triggers: ${triggers}}`;
    }
    await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
    await writeFile(`${dir}/routes.yaml`, yaml);
    gateway = await startGateway({
      args: ['-c', `${dir}/routes.yaml`, '--secrets-dir', `${dir}/secrets`, '--workers', '1'],
      env: { SSL_CERT_FILE: emulator.trustBundle },
    });
    const chat = (model, content) => request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST', body: { model, messages: [{ role: 'user', content }] },
    });
    // The outcomes of the attempts of the count-th access log line for `model`.
    const attemptsOf = async (model, count) => {
      for (let i = 0; i < 100; i++) {
        const lines = gateway.accessLog().filter((l) => l['gen_ai.request.model'] === model);
        if (lines.length >= count) return lines[count - 1].attempts.map((a) => a.outcome);
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no access log line ${count} for ${model}`);
    };
    const refuseTwice = (model) => emulator.addFault({ model: `gemini-${model}`, fault: { refuse_stream: true }, count: 2 });
    const resetOnce = (model) => emulator.addFault({ model: `gemini-${model}`, fault: { reset: true }, count: 1 });

    await refuseTwice('refused-only');
    const retried = await chat('refused-only', 'refused, then answered');
    assert.equal(retried.status, 200, retried.body);
    assert.deepEqual(await attemptsOf('refused-only', 1), ['upstream_reset', 'ok']);
    await resetOnce('refused-only');
    const notRetried = await chat('refused-only', 'reset: not a refused stream');
    assert.equal(notRetried.status, 502, notRetried.body);
    assert.deepEqual(await attemptsOf('refused-only', 2), ['upstream_reset']);

    await refuseTwice('reset-only');
    assert.equal((await chat('reset-only', 'refused is a reset too')).status, 200);
    assert.deepEqual(await attemptsOf('reset-only', 1), ['upstream_reset', 'ok']);
    await resetOnce('reset-only');
    assert.equal((await chat('reset-only', 'reset')).status, 200);
    assert.deepEqual(await attemptsOf('reset-only', 2), ['upstream_reset', 'ok']);

    await refuseTwice('connect-only');
    const refusedOnce = await chat('connect-only', 'not retried');
    assert.equal(refusedOnce.status, 502, refusedOnce.body);
    assert.deepEqual(await attemptsOf('connect-only', 1), ['upstream_reset']);
  } finally {
    await gateway?.stop();
    await emulator.stop();
  }
});
