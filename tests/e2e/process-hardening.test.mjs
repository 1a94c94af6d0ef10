// The process under stress (issue #16): out of file descriptors, a stdout nobody reads, streams
// still open when the drain time ends, and the overload limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmulator, startGateway, makeTempDir, request, sseData, jsonLine } from './lib/harness.mjs';
import { writeEmulatorSetup } from './lib/manifests.mjs';

// Seconds of CPU (user + system) the process has used, from /proc/PID/stat.
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');  // fields[0] is field 3, state
  return (Number(fields[11]) + Number(fields[12])) / 100;  // utime, stime in clock ticks (USER_HZ)
}

// The value of one series on the admin /metrics (0 when absent).
async function metric(gateway, series) {
  const text = (await request(`${gateway.adminUrl}/metrics`)).body;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

async function setup() {
  const dir = await makeTempDir();
  const emulator = await startEmulator({ dir });
  const args = await writeEmulatorSetup(dir, emulator);
  return { dir, emulator, args, env: { SSL_CERT_FILE: emulator.trustBundle } };
}

test('start-up raises the soft open-file limit to the hard limit', async () => {
  const { emulator, args, env } = await setup();
  const gateway = await startGateway({ args, env, shell: 'ulimit -Sn 100' });
  const limits = readFileSync(`/proc/${gateway.process.child.pid}/limits`, 'utf8');
  const [, soft, hard] = limits.match(/^Max open files\s+(\S+)\s+(\S+)/m);
  assert.notEqual(hard, '100', 'the hard limit is above the soft one for this test');
  assert.equal(soft, hard);
  await gateway.stop();
  await emulator.stop();
});

// Under the sanitized build, UBSan's vptr check needs a file descriptor of its own for each object
// it checks, so a gateway out of descriptors runs without it (see the suppressions file).
const ubsanOutOfFds = () => (process.env.UBSAN_OPTIONS
  ? { UBSAN_OPTIONS: `${process.env.UBSAN_OPTIONS}:suppressions=${fileURLToPath(new URL('./ubsan-out-of-fds.supp', import.meta.url))}` }
  : {});

test('out of file descriptors: accept backs off (low CPU, one log line, counted), then serves again', async () => {
  const { emulator, args, env } = await setup();
  const gateway = await startGateway({
    args: [...args, '--workers', '2'], env: { ...env, ...ubsanOutOfFds() }, shell: 'ulimit -n 64',
  });
  const failing = (line) => jsonLine(line)?.msg?.startsWith('accepting connections failed');
  const sockets = [];
  try {
    // Idle connections hold a descriptor each; the kernel completes more handshakes than the
    // gateway can take, and those wait in the backlog.
    for (let i = 0; i < 120 && !gateway.process.stderrLines.some(failing); i++) {
      sockets.push(await connect(gateway.port));
      if (i % 10 === 9) await sleep(50);
    }
    await gateway.process.waitForLine((line) => (failing(line) ? true : undefined), 5000);

    const pid = gateway.process.child.pid;
    const before = cpuSeconds(pid);
    await sleep(1000);
    const used = cpuSeconds(pid) - before;
    assert.ok(used < 0.1, `the gateway used ${used}s of CPU in 1s while out of descriptors`);
    assert.equal(gateway.process.stderrLines.filter(failing).length, 1, 'logged once');
  } finally {
    for (const socket of sockets) socket.destroy();
  }
  // The descriptors come back: a new connection is served (within the back-off's longest wait).
  const res = await request(`${gateway.url}/v1/models`, { timeoutMs: 10000 });
  assert.equal(res.status, 200);
  assert.ok(await metric(gateway, 'switchyard_accept_errors_total') > 0);
  await gateway.process.waitForLine(
    (line) => (jsonLine(line)?.msg === 'accepting connections again' ? true : undefined), 5000);
  await gateway.stop();
  await emulator.stop();
});

test('a stdout nobody reads: requests are still answered, lines dropped and counted, SIGTERM exits', async () => {
  const { emulator, args, env } = await setup();
  const gateway = await startGateway({
    args: [...args, '--access-log-queue', '64Ki'], env, readStdout: false,
  });
  // Each request is one access-log line of a few hundred bytes: far more than the pipe, Node's
  // read-ahead and the 64 KiB queue together hold.
  const started = Date.now();
  for (let round = 0; round < 30; round++) {
    const answers = await Promise.all(Array.from({ length: 50 }, () =>
      request(`${gateway.url}/v1/models`).then((r) => r.status)));
    assert.deepEqual(new Set(answers), new Set([200]));
  }
  assert.ok(Date.now() - started < 30000, 'requests did not wait on the log');
  await sleep(200);  // the workers hand their batches over on a 50 ms tick
  assert.ok(await metric(gateway, 'switchyard_log_dropped_lines_total{stream="stdout"}') > 0);

  const stopping = Date.now();
  const exit = await gateway.process.stop(10000);  // SIGKILL after 10 s
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(Date.now() - stopping < 5000, `stopped in ${Date.now() - stopping} ms`);
  assert.ok(gateway.process.stderrLines.some((l) => jsonLine(l)?.msg === 'shutting down'));
  await emulator.stop();
});

test('streams open when the drain time ends get an error event and a log line; the exit code says so', async () => {
  const { emulator, args, env } = await setup();
  const gateway = await startGateway({ args: [...args, '--drain-timeout', '300ms'], env });
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gemini-2.5-flash', stream: true,
      messages: [{ role: 'user', content: 'cut me [[emulator: stream_pause_ms=20000]]' }],
    }),
  });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  let text = new TextDecoder().decode((await reader.read()).value);  // the first event
  assert.ok(sseData(text).length >= 1);

  const exit = gateway.process.stop(15000);
  for (;;) {  // a clean end of the body, not a reset: read() would throw
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  const events = sseData(text);
  const error = events.map((e) => (e.startsWith('{') ? JSON.parse(e) : {})).find((e) => e.error);
  assert.ok(error, `an error event, got ${JSON.stringify(events)}`);
  assert.equal(error.error.code, 'shutting_down');
  assert.match(error.error.message, /drain/);

  assert.deepEqual(await exit, { code: 1, signal: null });
  const line = gateway.accessLog().find((l) => l['x-envoy-origin-path'] === '/v1/chat/completions');
  assert.ok(line, 'an access-log line for the cut stream');
  assert.equal(line.response_flags, 'LR');
  assert.equal(line['error.type'], 'shutting_down');
  assert.ok(gateway.process.stderrLines.some((l) => /requests still running were cut/.test(l)));
  await emulator.stop();
});

test('requests still waiting on the upstream when the drain time ends get a 503 and a log line', async () => {
  const { emulator, args, env } = await setup();
  const gateway = await startGateway({ args: [...args, '--drain-timeout', '300ms'], env });
  // A unary call, and a stream whose answer has not begun: both wait 20 s for the emulator.
  const ask = (stream) => fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gemini-2.5-flash', stream,
      messages: [{ role: 'user', content: `wait ${stream} [[emulator: delay_ms=20000]]` }],
    }),
  });
  const answers = [ask(false), ask(true)];
  for (let i = 0; i < 250 && (await emulator.stats()).generate_requests_total < 2; i++) await sleep(20);
  assert.equal((await emulator.stats()).generate_requests_total, 2, 'both calls reached the emulator');

  const stopping = Date.now();
  const exit = gateway.process.stop(15000);
  for (const answer of await Promise.all(answers)) {
    assert.equal(answer.status, 503);
    const body = await answer.json();
    assert.equal(body.error.code, 'shutting_down');
    assert.match(body.error.message, /drain/);
  }
  assert.ok(Date.now() - stopping < 5000, `answered ${Date.now() - stopping} ms after the stop`);
  assert.deepEqual(await exit, { code: 1, signal: null });
  const lines = gateway.accessLog().filter((l) => l['x-envoy-origin-path'] === '/v1/chat/completions');
  assert.equal(lines.length, 2, 'an access-log line for each cut request');
  for (const line of lines) {
    assert.equal(line.response_code, 503);
    assert.equal(line.response_flags, 'LR');
  }
  await emulator.stop();
});

test('a drain with nothing in flight exits 0', async () => {
  const { emulator, args, env } = await setup();
  const gateway = await startGateway({ args: [...args, '--drain-timeout', '300ms'], env });
  assert.equal((await request(`${gateway.url}/v1/models`)).status, 200);
  assert.deepEqual(await gateway.process.stop(5000), { code: 0, signal: null });
  await emulator.stop();
});

// A ClientTrafficPolicy with the listener's limits, added to the emulator setup.
async function writeClientPolicy(dir, connection) {
  const { appendFile } = await import('node:fs/promises');
  await appendFile(`${dir}/routes.yaml`, `
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: limits}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: eg}]
  connection: ${connection}
`);
}

// Resolves once the server closed the socket (FIN or reset); `data` is what it sent first.
function closedByServer(socket) {
  return new Promise((resolve) => {
    let data = '';
    socket.on('data', (chunk) => { data += chunk; });
    socket.on('error', () => {});
    socket.on('close', () => resolve(data));
  });
}

test('connectionLimit: the connection past the limit is closed; one closing makes room', async () => {
  const { dir, emulator, args, env } = await setup();
  await writeClientPolicy(dir, '{connectionLimit: {value: 2}}');
  const gateway = await startGateway({ args: [...args, '--workers', '2'], env });
  const held = [await connect(gateway.port), await connect(gateway.port)];
  // connect() resolves on the kernel's handshake; the gateway takes them a moment later.
  for (let i = 0; i < 100 && await metric(gateway, 'switchyard_downstream_connections') < 2; i++) await sleep(20);
  assert.equal(await metric(gateway, 'switchyard_downstream_connections'), 2);
  const third = await connect(gateway.port);
  third.write('GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n');
  assert.equal(await closedByServer(third), '', 'closed without an answer');
  assert.equal(await metric(gateway, 'switchyard_downstream_connections_refused_total'), 1);

  held[0].destroy();
  let res;
  for (let i = 0; i < 50; i++) {  // the gateway sees the close on its next read
    res = await request(`${gateway.url}/v1/models`).catch((e) => e);
    if (res.status === 200) break;
    await sleep(50);
  }
  assert.equal(res.status, 200);
  held[1].destroy();
  await gateway.stop();
  await emulator.stop();
});

test('--max-requests: past it a request is answered 503 with Retry-After in the OpenAI envelope', async () => {
  const { emulator, args, env } = await setup();
  const gateway = await startGateway({ args: [...args, '--max-requests', '2'], env });
  const stream = (i) => fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gemini-2.5-flash', stream: true,
      messages: [{ role: 'user', content: `slow ${i} [[emulator: stream_pause_ms=1500]]` }],
    }),
  });
  const running = await Promise.all([stream(0), stream(1)]);  // both heads are in: in flight
  const shed = await request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST', body: { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] },
  });
  assert.equal(shed.status, 503);
  assert.equal(shed.headers['retry-after'], '1');
  assert.equal(shed.json().error.code, 'overloaded');
  assert.equal(shed.json().error.type, 'service_unavailable_error');
  await Promise.all(running.map((r) => r.text()));
  const after = await request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST', body: { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] },
  });
  assert.equal(after.status, 200);
  assert.equal(await metric(gateway, 'switchyard_overload_shed_requests_total{reason="requests"}'), 1);
  await gateway.stop();
  await emulator.stop();
  const line = gateway.accessLog().find((l) => l.response_code === 503);
  assert.equal(line.response_flags, 'OM');
});

test('--max-heap: over it requests are shed with 503 + Retry-After and accepting pauses; it recovers', async () => {
  const { dir, emulator, args, env } = await setup();
  await writeClientPolicy(dir, '{bufferLimit: 512Mi}');
  const gateway = await startGateway({ args: [...args, '--max-heap', '96Mi', '--workers', '1'], env });
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const probe = () => new Promise((resolve, reject) => {
    http.get(`${gateway.url}/v1/models`, { agent }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    }).on('error', reject);
  });
  assert.equal((await probe()).status, 200);  // the probe's connection is open before the pressure

  // A request that announces 256 MiB: the gateway reserves its body as the body starts.
  const upload = await connect(gateway.port);
  upload.on('error', () => {});
  upload.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n' +
    `content-length: ${256 << 20}\r\n\r\n{"model":`);
  let shed;
  for (let i = 0; i < 100; i++) {
    shed = await probe();
    if (shed.status === 503) break;
    await sleep(50);
  }
  assert.equal(shed.status, 503, `heap ${await metric(gateway, 'switchyard_heap_bytes')}`);
  assert.equal(shed.headers['retry-after'], '1');
  assert.equal(JSON.parse(shed.body).error.code, 'overloaded');
  await gateway.process.waitForLine((l) => (jsonLine(l)?.msg?.startsWith('heap over its limit') ? true : undefined));
  // No new connection is taken meanwhile: it waits in the backlog.
  const waiting = request(`${gateway.url}/v1/models`, { timeoutMs: 10000 });
  const early = await Promise.race([waiting.then(() => 'answered'), sleep(400).then(() => 'waiting')]);
  assert.equal(early, 'waiting');

  upload.destroy();  // the body's memory is freed; the next sample lifts the limit
  assert.equal((await waiting).status, 200);
  let ok;
  for (let i = 0; i < 40; i++) {
    ok = await probe();
    if (ok.status === 200) break;
    await sleep(50);
  }
  assert.equal(ok.status, 200);
  await gateway.process.waitForLine((l) => (jsonLine(l)?.msg === 'heap back under its limit' ? true : undefined));
  assert.ok(await metric(gateway, 'switchyard_overload_shed_requests_total{reason="heap"}') >= 1);
  agent.destroy();
  await gateway.stop();
  await emulator.stop();
});

test('a manifest file over the size limit is refused at load; a reload keeps the running config', async () => {
  const { dir, emulator, args, env } = await setup();
  const gateway = await startGateway({ args, env });
  const { appendFile } = await import('node:fs/promises');
  await appendFile(`${dir}/routes.yaml`, `\n# ${'x'.repeat(9 << 20)}\n`);
  gateway.process.child.kill('SIGHUP');
  const diagnostic = await gateway.process.waitForLine(
    (line) => (/over|at most/.test(line) && line.includes('routes.yaml') ? line : undefined), 10000);
  assert.match(diagnostic, /8388608 bytes/);
  await gateway.process.waitForLine((line) => (jsonLine(line)?.msg?.startsWith('reload failed') ? true : undefined));
  assert.equal((await request(`${gateway.url}/v1/models`)).status, 200);
  await gateway.stop();
  await emulator.stop();
});
