// SIGTERM: the gateway stops accepting, lets streams in flight finish, then exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir } from './lib/harness.mjs';
import { writeEmulatorSetup } from './lib/manifests.mjs';

test('SIGTERM with streams in flight completes them and exits 0', async () => {
  const dir = await makeTempDir();
  const emulator = await startEmulator({ dir });
  const args = await writeEmulatorSetup(dir, emulator);
  const gateway = await startGateway({ args, env: { SSL_CERT_FILE: emulator.trustBundle } });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });

  const streams = await Promise.all([0, 1, 2].map((i) => client.chat.completions.create({
    model: 'gemini-2.5-flash', stream: true,
    messages: [{ role: 'user', content: `draining ${i} [[emulator: stream_pause_ms=800]]` }],
  })));
  const texts = streams.map(async (stream) => {
    let text = '';
    let finish;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    return { text, finish };
  });

  const exit = gateway.stop(10000);  // SIGTERM while every stream is paused upstream
  const results = await Promise.all(texts);
  results.forEach((r, i) => {
    assert.match(r.text, new RegExp(`draining ${i}$`));
    assert.equal(r.finish, 'stop');
  });
  assert.deepEqual(await exit, { code: 0, signal: null });
  await assert.rejects(fetch(`${gateway.url}/v1/models`), 'no longer accepting');
  await emulator.stop();
});
