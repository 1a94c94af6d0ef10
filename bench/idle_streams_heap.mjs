// Where an idle open stream's heap goes: K streamed chat completions held open through
// `switchyard run --workers 1` (HTTP/1.1 clients, one connection each) to the plaintext emulator,
// the gateway recorded by heaptrack's preload library; once all are open the gateway is killed
// (SIGKILL), so heaptrack's "leaked" figures are exactly what was allocated at that moment.
//
//   cmake -S . -B build-notcmalloc -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHYARD_TCMALLOC=OFF
//   cmake --build build-notcmalloc --target switchyard
//   SWITCHYARD_BIN=build-notcmalloc/switchyard K=1000 node bench/idle_streams_heap.mjs
//
// Writes the raw recording to HEAPTRACK_RAW (default /tmp/idle-streams.heaptrack.raw) and prints
// the commands that turn it into per-stream figures (heaptrack_interpret, heaptrack_print -l with
// --flamegraph-cost-type leaked). tcmalloc would hide the allocations from heaptrack: use a build
// without it. HEAPTRACK_PRELOAD= if the library is elsewhere than Debian's place.
import http from 'node:http';
import { startEmulator, startGateway, makeTempDir } from '../tests/e2e/lib/harness.mjs';
import { writeEmulatorSetup } from '../tests/e2e/lib/manifests.mjs';

const K = Number(process.env.K ?? 1000);
const BATCH = 200;
const RAW = process.env.HEAPTRACK_RAW ?? '/tmp/idle-streams.heaptrack.raw';
const PRELOAD = process.env.HEAPTRACK_PRELOAD ?? '/usr/lib/heaptrack/libheaptrack_preload.so';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const body = (pauseMs) => JSON.stringify({ model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user',
  content: pauseMs > 0 ? `hold this stream [[emulator: stream_pause_ms=${pauseMs}]]` : 'hold this stream' }] });

const dir = await makeTempDir('switchyard-idle-heap-');
const emulator = await startEmulator({ dir, tls: false });
const args = await writeEmulatorSetup(dir, emulator, { requestTimeout: '900s', streamIdleTimeout: '900s' });
const gateway = await startGateway({
  args: [...args, '--workers', '1'],
  shell: `export LD_PRELOAD='${PRELOAD}' DUMP_HEAPTRACK_OUTPUT='${RAW}'`,
});
const pid = gateway.process.child.pid;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

// Resolves at the stream's first body bytes (or its end or error).
function open(payload) {
  return new Promise((resolve) => {
    const req = http.request(`${gateway.url}/v1/chat/completions`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.on('data', resolve);
        res.on('end', resolve);
        res.on('error', resolve);
      });
    req.on('error', resolve);
    req.end(payload);
  });
}

try {
  for (let i = 0; i < 21; i++) await open(body(0));  // warm-up: token, connections, lazy state
  await sleep(2000);
  const releaseAt = Date.now() + 60000 + K * 10;
  for (let i = 0; i < K; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, K - i) }, () => open(body(releaseAt - Date.now()))));
  }
  await sleep(1000);
  process.kill(pid, 'SIGKILL');
  await gateway.process.exited;
} finally {
  agent.destroy();
  await gateway.stop();
  await emulator.stop();
}
console.log(`${K} streams open when the gateway was killed; recording: ${RAW}
  /usr/lib/heaptrack/libexec/heaptrack_interpret < ${RAW} | gzip > idle.gz
  heaptrack_print -f idle.gz -l 1 -p 0 -a 0 -T 0           # what was live, by call site
  heaptrack_print -f idle.gz -p 0 -a 0 -T 0 --flamegraph-cost-type leaked -F stacks.txt  # per stack; divide by ${K}`);
