// A client's bytes need not be UTF-8 (HTTP/1.1 lets a request target and a header value carry any
// byte from 0x80 up) and JSON must be: the error bodies that quote them stay parseable, each bad
// byte a U+FFFD. The gateway quoted them as they came, which JSON parsers refuse.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSwitchyard } from './lib/harness.mjs';

let gateway;
after(async () => gateway?.stop());

// One raw request (Node's own clients refuse such bytes); the answer's status line and body.
function rawRequest(port, bytes) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.end(bytes));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const answer = Buffer.concat(chunks);
      const split = answer.indexOf('\r\n\r\n');
      resolve({
        statusLine: answer.subarray(0, answer.indexOf('\r\n')).toString('latin1'),
        body: answer.subarray(split + 4),
      });
    });
  });
}

test('error bodies quoting a client byte that is not UTF-8 are valid JSON', async () => {
  gateway = await spawnSwitchyard(['demo', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0'], {
    ready: (line) => line.match(/gateway:\s+http:\/\/localhost:(\d+)/)?.[1],
  });
  const port = Number(gateway.ready);
  const cases = [
    [Buffer.from('GET /v1/\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1'), /404/],
    [
      Buffer.from(
        'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: text/\xc0\xaf\r\n' +
          'Content-Length: 2\r\nConnection: close\r\n\r\n{}',
        'latin1',
      ),
      /415/,
    ],
  ];
  for (const [request, status] of cases) {
    const { statusLine, body } = await rawRequest(port, request);
    assert.match(statusLine, status);
    // fatal: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD here.
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    const parsed = JSON.parse(text);
    assert.match(parsed.error.message, /\uFFFD/, text);
  }
});
