// Streamed requests as a client sees them, for the streaming benchmarks: time to the first token of
// one stream, and streams held open to count memory. Loopback HTTP/1.1 with keep-alive agents.
import http from 'node:http';

// One streamed request; resolves {ttft µs, total µs, events, done} once the body has ended.
// `isFirst(data)` decides which SSE event's data counts as the first token; events are split on
// blank lines (CRLF or LF).
export function streamOnce(agent, url, payload, isFirst, headers = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let ttft = null; let buf = ''; let events = 0; let done = false;
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      if (res.statusCode !== 200) { res.resume(); reject(new Error(`status ${res.statusCode} from ${url}`)); return; }
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        const parts = buf.split(/\r?\n\r?\n/);
        buf = parts.pop();
        for (const ev of parts) {
          if (!ev.startsWith('data:')) continue;
          events++;
          const data = ev.slice(5).trim();
          if (data === '[DONE]') { done = true; continue; }
          if (ttft === null && isFirst(data)) ttft = Number(process.hrtime.bigint() - t0) / 1000;
        }
      });
      res.on('end', () => {
        const total = Number(process.hrtime.bigint() - t0) / 1000;
        if (ttft === null) reject(new Error(`no first-token event from ${url}`)); else resolve({ ttft, total, events, done });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

// First-token tests: any data event (a Vertex stream), or a chunk with delta content (OpenAI).
export const anyData = () => true;
export const hasDeltaContent = (data) => {
  try { return Boolean(JSON.parse(data).choices?.[0]?.delta?.content); } catch { return false; }
};

// A stream left open by its upstream (bench/hold-upstream.mjs): `firstChunk` resolves when the body
// holds `firstMark`, `completed` when it ends, with {status, body}.
export function openHeldStream(agent, url, payload, firstMark, headers = {}) {
  let onFirst; let failFirst;
  const firstChunk = new Promise((res, rej) => { onFirst = res; failFirst = rej; });
  const completed = new Promise((resolve) => {
    let buf = ''; let first = false;
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c) => {
        buf += c;
        if (!first && buf.includes(firstMark)) { first = true; onFirst(); }
      });
      res.on('end', () => { if (!first) failFirst(new Error(`status ${res.statusCode}: ${buf.slice(0, 200)}`)); resolve({ status: res.statusCode, body: buf }); });
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e) => { failFirst(e); resolve({ error: e.message }); });
    req.end(payload);
  });
  return { firstChunk, completed };
}

// POST to hold-upstream's control endpoints (/__end_all, /__count); resolves the JSON answer.
export function holdControl(upstreamPort, p) {
  return new Promise((resolve, reject) => {
    http.request(`http://127.0.0.1:${upstreamPort}${p}`, { method: 'POST' }, (res) => {
      let s = ''; res.on('data', (c) => { s += c; }); res.on('end', () => resolve(JSON.parse(s)));
    }).on('error', reject).end();
  });
}
