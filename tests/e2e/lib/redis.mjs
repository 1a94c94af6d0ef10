// A real redis-server (Debian's) for the rate-limit tests: loopback, no persistence, its own dir.
import { spawn } from 'node:child_process';

/** Starts redis-server on `port` and waits until it accepts connections; resolves { port, stop() }. */
export async function startRedis(port, dir) {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10000);
    const check = () => {
      if (output.includes('Ready to accept connections')) { clearTimeout(timer); resolve(); } else setTimeout(check, 20);
    };
    child.on('exit', () => { clearTimeout(timer); reject(new Error(`redis-server exited:\n${output}`)); });
    check();
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { port, stop: async () => { child.kill('SIGKILL'); await exited; } };
}
