// HTTP/2 for clients: curl (--http2 over TLS, --http2-prior-knowledge on plaintext), h2load and
// Node's own HTTP/2 client against the real gateway (with the emulator as its upstream) and the
// emulator, whose HTTP/2 knobs (small MAX_CONCURRENT_STREAMS, GOAWAY after N streams, refused
// streams) other tests build on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http2 from 'node:http2';
import { startEmulator, startGateway, makeTempDir, sseData } from './lib/harness.mjs';
import { writeEmulatorSetup } from './lib/manifests.mjs';

let emulator;
let gateway;
let emulatorToken;

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  const args = await writeEmulatorSetup(dir, emulator, { streamIdleTimeout: '3s' });
  gateway = await startGateway({ args, env: { SSL_CERT_FILE: emulator.trustBundle } });
  emulatorToken = await emulator.token();
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
});

const chat = (content, extra = {}) =>
  JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content }], ...extra });

// curl's body, then a last line "<http_version> <status>".
function curl(args) {
  const r = spawnSync('curl', ['-sS', '--max-time', '20', '-w', '\n%{http_version} %{http_code}', ...args],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, `curl failed: ${r.stderr}`);
  const cut = r.stdout.lastIndexOf('\n');
  const [version, status] = r.stdout.slice(cut + 1).split(' ');
  return { body: r.stdout.slice(0, cut), version, status: Number(status) };
}

// One request on an HTTP/2 session: resolves { status, headers, body } or rejects with the stream
// error.
function h2request(session, headers, body) {
  return new Promise((resolve, reject) => {
    const req = session.request(headers, { endStream: body === undefined });
    let text = '';
    let head;
    req.setEncoding('utf8');
    req.on('response', (h) => { head = h; });
    req.on('data', (d) => { text += d; });
    req.on('end', () => resolve({ status: head?.[':status'], headers: head, body: text }));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  });
}

test('curl --http2-prior-knowledge: models, a chat completion, and a streamed one', async () => {
  const models = curl(['--http2-prior-knowledge', `${gateway.url}/v1/models`]);
  assert.equal(models.version, '2');
  assert.equal(models.status, 200);
  assert.ok(JSON.parse(models.body).data.some((m) => m.id === 'gemini-2.5-flash'));

  const unary = curl(['--http2-prior-knowledge', '-H', 'content-type: application/json',
    '--data', chat('hello over h2c'), `${gateway.url}/v1/chat/completions`]);
  assert.equal(unary.version, '2');
  assert.equal(unary.status, 200);
  assert.equal(JSON.parse(unary.body).object, 'chat.completion');

  const streamed = curl(['--http2-prior-knowledge', '-N', '-H', 'content-type: application/json',
    '--data', chat('stream over h2c', { stream: true }), `${gateway.url}/v1/chat/completions`]);
  assert.equal(streamed.version, '2');
  assert.equal(streamed.status, 200);
  const events = sseData(streamed.body);
  assert.equal(events.at(-1), '[DONE]');
  const text = events.slice(0, -1).map((e) => JSON.parse(e).choices[0]?.delta?.content ?? '').join('');
  assert.match(text, /stream over h2c$/);

  let logged = 0;  // the access log is written off the request path
  for (let i = 0; i < 40 && logged < 3; i++) {
    await new Promise((r) => setTimeout(r, 50));
    logged = gateway.accessLog().filter((l) => l.protocol === 'HTTP/2').length;
  }
  assert.ok(logged >= 3, 'the access log names the protocol');
});

test('curl --http2 over TLS negotiates h2 by ALPN, and http/1.1 clients still get HTTP/1.1', () => {
  const h2 = curl(['--http2', '--cacert', emulator.caFile, `${emulator.url}/emulator/stats`]);
  assert.equal(h2.version, '2');
  assert.equal(h2.status, 200);
  const h1 = curl(['--http1.1', '--cacert', emulator.caFile, `${emulator.url}/emulator/stats`]);
  assert.equal(h1.version, '1.1');
  assert.equal(h1.status, 200);
  const unary = curl(['--http2', '--cacert', emulator.caFile, '-H', `authorization: Bearer ${emulatorToken}`,
    '-H', 'content-type: application/json', '--data', JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    `${emulator.url}/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:generateContent`]);
  assert.equal(unary.version, '2');
  assert.equal(unary.status, 200);
  assert.ok(JSON.parse(unary.body).candidates.length > 0);
});

test('h2load: 2,000 requests on 4 connections, 50 streams each, all 2xx', () => {
  for (const url of [`${gateway.url}/v1/models`, `${emulator.url}/emulator/stats`]) {
    const r = spawnSync('h2load', ['-n', '2000', '-c', '4', '-m', '50', url], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Application protocol: h2c?\b/);
    assert.match(r.stdout, /requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored/);
    assert.match(r.stdout, /status codes: 2000 2xx/);
  }
});

test('many concurrent streams on one connection each get their own answer', async () => {
  const session = http2.connect(gateway.url);
  try {
    const n = 100;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => h2request(session, {
      ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json',
    }, chat(`stream number ${i}`, { stream: i % 2 === 0 }))));
    results.forEach((r, i) => {
      assert.equal(r.status, 200);
      const text = i % 2 === 0
        ? sseData(r.body).slice(0, -1).map((e) => JSON.parse(e).choices[0]?.delta?.content ?? '').join('')
        : JSON.parse(r.body).choices[0].message.content;
      assert.match(text, new RegExp(`stream number ${i}$`));
    });
    assert.equal(session.remoteSettings.maxConcurrentStreams, 100);
  } finally {
    session.close();
  }
});

test('a request body over the limit gets 413, the connection stays usable', async () => {
  const session = http2.connect(gateway.url);
  try {
    // Declared too long: answered at the head, before any of the body is sent.
    const declared = await new Promise((resolve, reject) => {
      const req = session.request({
        ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json',
        'content-length': String(60 * 1024 * 1024),
      }, { endStream: false });
      req.on('response', (h) => { resolve(h[':status']); req.close(); });
      req.on('error', reject);
    });
    assert.equal(declared, 413);

    const big = Buffer.alloc(51 * 1024 * 1024, 'a');  // over the default 50 MiB, no length declared
    const sent = await h2request(session, {
      ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json',
    }, big).catch((e) => e);
    assert.equal(sent.status, 413, String(sent));
    assert.match(sent.body, /exceeds the limit/);

    const ok = await h2request(session, { ':path': '/v1/models' });
    assert.equal(ok.status, 200);
  } finally {
    session.close();
  }
});

test('a client that resets its stream mid-SSE releases the upstream stream', async () => {
  const before = (await emulator.stats()).client_disconnects;
  const session = http2.connect(gateway.url);
  try {
    await new Promise((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' });
      req.on('data', () => { req.close(http2.constants.NGHTTP2_CANCEL); resolve(); });
      req.on('error', reject);
      req.end(chat('leave early [[emulator: stream_pause_ms=1500]]', { stream: true }));
    });
    let after = before;
    for (let i = 0; i < 60 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = (await emulator.stats()).client_disconnects;
    }
    assert.equal(after, before + 1, 'the emulator saw the gateway drop the upstream stream');
    const ok = await h2request(session, { ':path': '/v1/models' });
    assert.equal(ok.status, 200, 'the other streams of the connection carry on');
  } finally {
    session.close();
  }
});

test('the emulator advertises a small MAX_CONCURRENT_STREAMS, sends GOAWAY after N streams, refuses streams', async () => {
  const small = await startEmulator({ tls: false, args: ['--h2-max-streams', '2', '--h2-goaway-after', '3'] });
  try {
    const token = await small.token();
    const session = http2.connect(small.url);
    const goaway = new Promise((resolve) => session.on('goaway', (code, lastStreamId) => resolve({ code, lastStreamId })));
    session.on('error', () => {});
    const stats = () => h2request(session, { ':path': '/emulator/stats' });
    assert.equal((await stats()).status, 200);
    assert.equal(session.remoteSettings.maxConcurrentStreams, 2);

    const refused = await h2request(session, {
      ':method': 'POST', ':path': '/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-flash:generateContent',
      authorization: `Bearer ${token}`, 'content-type': 'application/json',
    }, JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'no [[emulator: refuse_stream=true]]' }] }] }))
      .catch((e) => e);
    assert.equal(refused.code, 'ERR_HTTP2_STREAM_ERROR', String(refused));
    assert.match(refused.message, /NGHTTP2_REFUSED_STREAM/);

    assert.equal((await stats()).status, 200, 'the third stream is still answered');
    const { code, lastStreamId } = await goaway;
    assert.equal(code, http2.constants.NGHTTP2_NO_ERROR);
    assert.equal(lastStreamId, 5);
  } finally {
    await small.stop();
  }
});
