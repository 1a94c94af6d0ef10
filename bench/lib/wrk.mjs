// One wrk run with bench/post.lua, measured together with the CPU time of chosen processes.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { BENCH_DIR, cpuSeconds } from './common.mjs';

// Runs `wrk -t1 -cC -dDURATION --latency -s post.lua URL` with env BODY (vertex|openai) and, for
// Portkey, PORTKEY_UPSTREAM. `watch` maps names to PIDs whose CPU seconds (utime + stime, all
// threads) are read right before and after the run. Resolves the RESULT line's numbers plus
// {wall_s, cpu_s: {name: seconds}}; rejects when wrk fails or prints no RESULT.
export function runWrk({ url, body, c, duration, portkeyUpstream, watch = {} }) {
  const env = { ...process.env, BODY: body };
  if (portkeyUpstream) env.PORTKEY_UPSTREAM = portkeyUpstream;
  const args = ['-t1', `-c${c}`, `-d${duration}`, '--latency', '-s', path.join(BENCH_DIR, 'post.lua'), url];
  const cpu0 = Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, cpuSeconds(pid) - cpu0[name]]));
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) { reject(new Error(`wrk ${args.join(' ')} exited ${code}: ${err || out}`)); return; }
      const result = Object.fromEntries(line.slice(7).trim().split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
      resolve({ ...result, wall_s: wall, cpu_s: cpu });
    });
  });
}
