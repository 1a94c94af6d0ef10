// The HTTP/1.1 listener against hostile and unusual clients, over raw TCP: oversized chunk
// extensions and trailers, slow headers, HEAD, request smuggling through Transfer-Encoding, HTTP/1.0
// streams, the RFC 9112 rules on Host, absolute-form targets, header counts and Expect, and clients
// that stop reading their answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http2 from 'node:http2';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { appendFile, readFile, rename } from 'node:fs/promises';
import { startEmulator, startGateway, makeTempDir, writeFile, jsonLine } from './lib/harness.mjs';
import { writeEmulatorSetup } from './lib/manifests.mjs';

let emulator;
let dir;
let args;     // the gateway's, for the emulator route
let env;
let gateway;  // default timeouts
let strict;   // a ClientTrafficPolicy with short timeouts

const clientPolicy = (http) => `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: short-timeouts}
spec:
  timeout:
    http: ${http}
`;

before(async () => {
  dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  args = await writeEmulatorSetup(dir, emulator);
  env = { SSL_CERT_FILE: emulator.trustBundle };
  gateway = await startGateway({ args, env });
  await writeFile(`${dir}/client-policy.yaml`, clientPolicy('{requestReceivedTimeout: 1s, idleTimeout: 1500ms}'));
  strict = await startGateway({ args: [...args, '-c', `${dir}/client-policy.yaml`], env });
});

after(async () => {
  await gateway?.stop();
  await strict?.stop();
  await emulator?.stop();
});

// A raw connection: what it received so far, whether the server closed it, and when.
function connect(port) {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const conn = { socket, text: '', closedAt: undefined, error: undefined };
  const waiters = new Set();
  const wake = () => { for (const w of waiters) w(); };
  socket.setEncoding('latin1');
  socket.on('data', (d) => { conn.text += d; wake(); });
  socket.on('error', (e) => { conn.error = e; });
  socket.on('close', () => { conn.closedAt = Date.now(); wake(); });
  conn.ready = new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  conn.send = (text) => new Promise((resolve) => {
    if (socket.destroyed) return resolve(false);
    socket.write(text, 'latin1', (err) => resolve(!err));
  });
  // Resolves true once pred(conn) holds, false after `ms`.
  conn.until = (pred, ms = 5000) => new Promise((resolve) => {
    if (pred(conn)) return resolve(true);
    const check = () => { if (pred(conn)) { done(); resolve(true); } };
    const timer = setTimeout(() => { done(); resolve(false); }, ms);
    const done = () => { clearTimeout(timer); waiters.delete(check); };
    waiters.add(check);
  });
  conn.closed = (ms) => conn.until((c) => c.closedAt !== undefined, ms);
  conn.end = () => socket.destroy();
  return conn;
}

// The responses in `text`, each { status, head (lower-case names), body }, for bodies framed by
// Content-Length; `headRequests` marks which ones answer a HEAD (no body whatever the length).
function responses(text, headRequests = []) {
  const out = [];
  let rest = text;
  while (rest.startsWith('HTTP/')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const lines = rest.slice(0, end).split('\r\n');
    const head = Object.fromEntries(lines.slice(1).map((l) => {
      const colon = l.indexOf(':');
      return [l.slice(0, colon).toLowerCase(), l.slice(colon + 1).trim()];
    }));
    const length = headRequests[out.length] ? 0 : Number(head['content-length'] ?? 0);
    out.push({ status: Number(lines[0].split(' ')[1]), head, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return { list: out, rest };
}

const chatBody = (extra = {}) => JSON.stringify({
  model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hello raw socket' }], ...extra,
});

async function kib(pid, field) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))[1]);
}

// Streams `total` bytes of `filler` after `prefix` until the server answers or closes; returns the
// connection, the time to its close, and the gateway's resident memory growth meanwhile (KiB).
async function floodUntilRefused(prefix, filler, total) {
  const pid = gateway.process.child.pid;
  const rssBefore = await kib(pid, 'VmRSS');
  const hwmBefore = await kib(pid, 'VmHWM');
  let rssMax = rssBefore;
  const poll = setInterval(() => { kib(pid, 'VmRSS').then((v) => { rssMax = Math.max(rssMax, v); }, () => {}); }, 10);
  const conn = connect(gateway.port);
  await conn.ready;
  const started = Date.now();
  await conn.send(prefix);
  const piece = filler.repeat(Math.ceil(65536 / filler.length));
  for (let sent = 0; sent < total && conn.text === '' && conn.closedAt === undefined; sent += piece.length) {
    if (!(await conn.send(piece))) break;
  }
  await conn.closed(10000);
  clearInterval(poll);
  const grownKiB = Math.max(rssMax - rssBefore, (await kib(pid, 'VmHWM')) - hwmBefore);
  conn.end();
  return { conn, seconds: ((conn.closedAt ?? Date.now()) - started) / 1000, grownKiB };
}

test('a multi-megabyte chunk extension is refused at once, without buffering it', async () => {
  const { conn, seconds, grownKiB } = await floodUntilRefused(
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n5;ext=', 'a', 64 << 20);
  assert.ok(conn.closedAt, 'the gateway closes the connection');
  assert.ok(seconds < 5, `closed after ${seconds} s`);
  assert.ok(grownKiB < 16 * 1024, `the gateway grew by ${grownKiB} KiB`);
  if (conn.text) assert.match(conn.text, /^HTTP\/1\.1 400 /);
});

test('a trailer section of many megabytes is refused at once, without buffering it', async () => {
  const { conn, seconds, grownKiB } = await floodUntilRefused(
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n', `x-trailer: ${'t'.repeat(200)}\r\n`, 64 << 20);
  assert.ok(conn.closedAt, 'the gateway closes the connection');
  assert.ok(seconds < 5, `closed after ${seconds} s`);
  assert.ok(grownKiB < 16 * 1024, `the gateway grew by ${grownKiB} KiB`);
  if (conn.text) assert.match(conn.text, /^HTTP\/1\.1 400 /);
});

test('chunk extensions count toward the body limit', async () => {
  // Empty-data chunks never reach Beast's body limit; their extensions must (50 MiB default).
  const { conn, seconds } = await floodUntilRefused(
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n', `1;${'e'.repeat(4000)}\r\n \r\n`, 64 << 20);
  assert.ok(conn.closedAt, 'the gateway closes the connection');
  assert.ok(seconds < 30, `closed after ${seconds} s`);
  if (conn.text) assert.match(conn.text, /^HTTP\/1\.1 413 /);
});

test('headers sent a byte at a time get 408 when requestReceivedTimeout runs out', async () => {
  const conn = connect(strict.port);
  await conn.ready;
  const started = Date.now();
  const head = 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';
  const drip = (async () => {
    for (const byte of head + 'x-slow: ' + 'z'.repeat(200)) {
      if (conn.closedAt !== undefined || !(await conn.send(byte))) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  assert.ok(await conn.closed(8000), 'closed by the gateway');
  const seconds = (conn.closedAt - started) / 1000;
  assert.ok(seconds >= 0.9 && seconds < 3, `closed after ${seconds} s (policy: 1s)`);
  const [answer] = responses(conn.text).list;
  assert.equal(answer?.status, 408, conn.text);
  assert.match(JSON.parse(answer.body).error.message, /not received in time/);
  await drip;
});

test('a body that stops coming gets 408 when requestReceivedTimeout runs out', async () => {
  const seconds = await secondsTo408(strict.port);
  assert.ok(seconds >= 0.9 && seconds < 3, `answered after ${seconds} s (policy: 1s)`);
});

test('the policy idleTimeout closes a connection that sends nothing', async () => {
  const conn = connect(strict.port);
  await conn.ready;
  const started = Date.now();
  assert.ok(await conn.closed(5000), 'closed by the gateway');
  const seconds = (conn.closedAt - started) / 1000;
  assert.ok(seconds >= 1.4 && seconds < 4, `closed after ${seconds} s (policy: 1500ms)`);
  assert.equal(conn.text, '', 'nothing is answered to a connection that asked nothing');
});

// A request whose body stops after 10 bytes: how long until the gateway at `port` answers 408.
async function secondsTo408(port) {
  const conn = connect(port);
  await conn.ready;
  const started = Date.now();
  const body = chatBody();
  await conn.send('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
  assert.ok(await conn.closed(10000), 'closed by the gateway');
  assert.equal(responses(conn.text).list[0]?.status, 408, conn.text);
  return (conn.closedAt - started) / 1000;
}

test('a reload that changes requestReceivedTimeout applies to the next request', async () => {
  const file = `${dir}/reloaded-policy.yaml`;
  await writeFile(file, clientPolicy('{requestReceivedTimeout: 500ms}'));
  const own = await startGateway({ args: [...args, '-c', file], env });
  try {
    const before = await secondsTo408(own.port);
    assert.ok(before >= 0.4 && before < 2, `first: ${before} s`);
    await writeFile(`${file}.tmp`, clientPolicy('{requestReceivedTimeout: 2500ms}'));
    await rename(`${file}.tmp`, file);
    const edited = Date.now();
    for (;;) {
      const dump = await (await fetch(`${own.adminUrl}/config_dump`)).json();
      if (dump.listener.requestReceivedTimeoutMs === 2500) break;
      assert.ok(Date.now() - edited < 5000, 'the reload shows in /config_dump');
      await new Promise((r) => setTimeout(r, 50));
    }
    const after = await secondsTo408(own.port);
    assert.ok(after >= 2.4 && after < 4, `after the reload: ${after} s`);
  } finally {
    await own.stop();
  }
});

test('by default a head left half-sent gets 408 within the header timeout (10 s)', async () => {
  const conn = connect(gateway.port);
  await conn.ready;
  const started = Date.now();
  await conn.send('GET /v1/models HTTP/1.1\r\nHost: x\r\nx-partial: ');
  assert.ok(await conn.closed(15000), 'closed by the gateway');
  const seconds = (conn.closedAt - started) / 1000;
  assert.ok(seconds >= 9.5 && seconds < 13, `closed after ${seconds} s`);
  assert.equal(responses(conn.text).list[0]?.status, 408, conn.text);
});

test('HEAD answers carry no body, so a pipelined request after them is served in step', async () => {
  for (const [port, paths] of [[gateway.port, ['/v1/models', '/no-such-path']], [gateway.adminPort, ['/healthz', '/metrics']]]) {
    for (const path of paths) {
      const conn = connect(port);
      await conn.ready;
      await conn.send(`HEAD ${path} HTTP/1.1\r\nHost: x\r\n\r\nGET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.ok(await conn.closed(5000), `${path}: the second answer ends the connection`);
      const { list, rest } = responses(conn.text, [true, false]);
      assert.equal(list.length, 2, `${path}: two answers\n${conn.text}`);
      assert.ok(Number(list[0].head['content-length']) > 0, `${path}: HEAD says how long the body would be`);
      assert.equal(list[1].body.length, Number(list[1].head['content-length']), `${path}: GET has its body`);
      assert.equal(rest, '', path);
    }
  }
});

test('a Transfer-Encoding that does not end in chunked is refused, and nothing behind it is served', async () => {
  const conn = connect(gateway.port);
  await conn.ready;
  const smuggled = 'GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n';
  await conn.send('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Transfer-Encoding: gzip\r\n\r\n${smuggled}`);
  assert.ok(await conn.closed(5000), 'closed by the gateway');
  const { list } = responses(conn.text);
  assert.equal(list.length, 1, conn.text);
  assert.equal(list[0].status, 400);
  assert.match(JSON.parse(list[0].body).error.message, /Transfer-Encoding/);
});

test('a stream to an HTTP/1.0 client is not chunked: the connection\'s end ends it', async () => {
  const conn = connect(gateway.port);
  await conn.ready;
  const body = chatBody({ stream: true });
  await conn.send('POST /v1/chat/completions HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${body.length}\r\n\r\n${body}`);
  assert.ok(await conn.closed(10000), 'closed by the gateway');
  const end = conn.text.indexOf('\r\n\r\n');
  const head = conn.text.slice(0, end).toLowerCase();
  const streamed = conn.text.slice(end + 4);
  assert.match(head, /^http\/1\.0 200 /);
  assert.match(head, /content-type: text\/event-stream/);
  assert.doesNotMatch(head, /transfer-encoding|content-length/);
  assert.match(streamed, /^data: \{/, 'the body starts with the first event, no chunk size');
  assert.match(streamed, /"content":" raw"/);
  assert.match(streamed, /data: \[DONE\]\n\n$/);
});

test('an HTTP/1.1 request without Host is refused with 400', async () => {
  const conn = connect(gateway.port);
  await conn.ready;
  await conn.send('GET /v1/models HTTP/1.1\r\n\r\n');
  assert.ok(await conn.closed(5000));
  const [answer] = responses(conn.text).list;
  assert.equal(answer?.status, 400, conn.text);
  assert.match(JSON.parse(answer.body).error.message, /Host/);
});

test('an absolute-form target routes like the origin form', async () => {
  const conn = connect(gateway.port);
  await conn.ready;
  const body = chatBody();
  await conn.send(`POST http://gateway.example:8080/v1/chat/completions HTTP/1.1\r\nHost: other\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  assert.ok(await conn.closed(10000));
  const [answer] = responses(conn.text).list;
  assert.equal(answer?.status, 200, conn.text);
  assert.match(JSON.parse(answer.body).choices[0].message.content, /hello raw socket/);
});

test('more than 100 header fields get 431', async () => {
  const conn = connect(gateway.port);
  await conn.ready;
  const fields = Array.from({ length: 101 }, (_, i) => `x-h${i}: v\r\n`).join('');
  await conn.send(`GET /v1/models HTTP/1.1\r\nHost: x\r\n${fields}\r\n`);
  assert.ok(await conn.closed(5000));
  const [answer] = responses(conn.text).list;
  assert.equal(answer?.status, 431, conn.text);
  assert.equal(JSON.parse(answer.body).error.type, 'invalid_request_error');
});

test('an Expect other than 100-continue gets 417; 100-continue still gets its interim answer', async () => {
  const refused = connect(gateway.port);
  await refused.ready;
  const body = chatBody();
  await refused.send('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Expect: something-else\r\nContent-Length: ${body.length}\r\n\r\n`);
  assert.ok(await refused.closed(5000));
  assert.equal(responses(refused.text).list[0]?.status, 417, refused.text);

  const conn = connect(gateway.port);
  await conn.ready;
  await conn.send('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Expect: 100-Continue\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
  assert.ok(await conn.until((c) => c.text.includes('\r\n\r\n')), 'interim answer');
  assert.match(conn.text, /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
  conn.text = '';
  await conn.send(body);
  assert.ok(await conn.closed(10000));
  assert.equal(responses(conn.text).list[0]?.status, 200, conn.text);
});

// Eight choices each echoing a 1.5 MB prompt: 12 MB, about three times what loopback's socket
// buffers take from a client that reads nothing (4 MB measured), so the gateway's write waits.
const hugeAnswer = (stream) => JSON.stringify({
  model: 'gemini-2.5-flash', n: 8, stream, messages: [{ role: 'user', content: 'word '.repeat(300_000) }],
});

test('a client that stops reading is dropped after the route\'s timeouts, not after 60 s', async () => {
  const slowDir = await makeTempDir();
  const slowArgs = await writeEmulatorSetup(slowDir, emulator, { requestTimeout: '6s', streamIdleTimeout: '3s' });
  await appendFile(`${slowDir}/routes.yaml`, `
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: big-bodies}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: eg}]
  connection: {bufferLimit: 32Mi}
`);
  const slow = await startGateway({ args: slowArgs, env });
  // The access-log line of the next request with `stream`, once the gateway gave up on it.
  const logged = (stream) => slow.process.waitForLine((line, from) => {
    const entry = from === 'stdout' ? jsonLine(line) : undefined;
    return entry?.stream === stream && entry.response_code === 200 ? entry : undefined;
  }, 30000);
  try {
    for (const [stream, limit] of [[false, 6000], [true, 3000]]) {
      const body = hugeAnswer(stream);
      const socket = net.connect(slow.port, '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      socket.pause();  // reads nothing: the kernel's buffers fill, then the gateway's write waits
      const started = Date.now();
      socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      const entry = await logged(stream);
      const waited = Date.now() - started;
      socket.destroy();
      assert.ok(waited >= limit, `given up after ${waited} ms (the route allows ${limit} ms)`);
      assert.ok(waited < limit + 15000, `given up after ${waited} ms, not at the route's ${limit} ms`);
      assert.ok(entry.bytes_sent < 12e6, `bytes_sent ${entry.bytes_sent}: the answer was not all written`);
    }

    // HTTP/2: the stream whose client grants no window is reset; its connection carries on.
    const session = http2.connect(slow.url);
    session.on('error', () => {});
    const req = session.request({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' });
    req.pause();
    req.on('error', () => {});
    const started = Date.now();
    req.end(hugeAnswer(true));
    const reset = await Promise.race([once(req, 'close').then(() => true), sleep(30000, undefined, { ref: false }).then(() => false)]);
    const waited = Date.now() - started;
    assert.ok(reset, 'the stream was reset');
    assert.equal(req.rstCode, http2.constants.NGHTTP2_CANCEL);
    assert.ok(waited >= 3000 && waited < 18000, `stream reset after ${waited} ms`);
    const models = session.request({ ':path': '/v1/models' });
    models.end();
    const [headers] = await once(models, 'response');
    assert.equal(headers[':status'], 200);
    models.resume();
    session.close();
  } finally {
    await slow.stop();
  }
});
