// A tiny Vertex-like upstream that holds streams open: `:streamGenerateContent` answers 200
// text/event-stream, writes one CRLF-framed SSE event, then keeps the response open until told to end
// (POST /__end_all), when it writes the rest of the stream and ends every held response.
// Also answers /token (canned OAuth token). Plaintext, 127.0.0.1 only.
//   node bench/hold-upstream.mjs PORT       prints "listening PORT" when ready
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const meta = { modelVersion: 'gemini-2.5-flash', createTime: '2025-11-26T21:14:09.902311Z', responseId: 'YV0naf6vN4Wd2PgPt4fj6QY' };
const event = (text, extra = {}) => `data: ${JSON.stringify({
  candidates: [{ content: { role: 'model', parts: [{ text }] }, ...extra.candidate }],
  usageMetadata: extra.usage ?? { trafficType: 'ON_DEMAND' }, ...meta })}\r\n\r\n`;
const first = event('Held');
const rest = event(' stream,') + event(' now released.', {
  candidate: { finishReason: 'STOP' },
  usage: { promptTokenCount: 12, candidatesTokenCount: 6, totalTokenCount: 18, trafficType: 'ON_DEMAND' },
});

const held = new Set();
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"access_token":"ya29.hold-upstream-token","expires_in":3599,"token_type":"Bearer"}');
    } else if (req.url === '/__end_all') {
      const n = held.size;
      for (const r of held) r.end(rest);
      held.clear();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ended: n }));
    } else if (req.url === '/__count') {
      res.end(JSON.stringify({ held: held.size }));
    } else if (req.url.includes(':streamGenerateContent')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(first);
      held.add(res);
      res.on('close', () => held.delete(res));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":404,"message":"not found","status":"NOT_FOUND"}}');
    }
  });
});
server.keepAliveTimeout = 300_000;
server.headersTimeout = 0; server.requestTimeout = 0;
server.maxConnections = 100_000;
server.listen(port, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
