// The gateway's upstream client over HTTP/2 against the emulator (h2 chosen by ALPN): many
// concurrent requests share one TLS connection, a small SETTINGS_MAX_CONCURRENT_STREAMS brings more
// connections, and neither a GOAWAY mid-load nor a refused stream costs a request. Counted by the
// gateway's own /metrics (connections opened, TLS handshakes) and the emulator's stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startEmulator, startGateway, makeTempDir, request } from './lib/harness.mjs';
import { writeEmulatorSetup } from './lib/manifests.mjs';

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
