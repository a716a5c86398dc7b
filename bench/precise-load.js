'use strict';
// Part (precise) load generator: keep-alive clients at a fixed concurrency
// against bench/http-server.js (as bench/http-load.js), counting completed
// requests per BUCKET_MS, while it switches precise mode through the admin
// endpoint at the given times (ms after the start): on at ON_MS, off at OFF_MS.
// Usage: node bench/precise-load.js PORT ADMIN_URL TOKEN TOTAL_MS CONCURRENCY BUCKET_MS ON_MS OFF_MS
// → {"bucketMs", "counts": [...], "switches": [{"on", "atMs", "pauseMs", "answeredMs"}], "maxLatencyMs": [...per bucket]}
const http = require('node:http');

const [portText, admin, token, totalText, concText, bucketText, onText, offText] = process.argv.slice(2);
const [port, totalMs, concurrency, bucketMs, onMs, offMs] = [portText, totalText, concText, bucketText, onText, offText].map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const buckets = Math.ceil(totalMs / bucketMs);
const counts = new Array(buckets).fill(0);
const maxLatency = new Array(buckets).fill(0);
const switches = [];
let stopping = false;
const t0 = process.hrtime.bigint();
const now = () => Number(process.hrtime.bigint() - t0) / 1e6;

function once(i) {
  return new Promise((resolve) => {
    const post = i % 2 === 0;
    const body = post ? JSON.stringify({ name: `item ${i} for the cache`, tags: ['red', 'green', `t${i % 17}`],
      price: (i % 1000) / 7 }) : undefined;
    const start = now();
    const req = http.request({
      host: '127.0.0.1', port, agent, path: '/items', method: post ? 'POST' : 'GET',
      headers: post ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
    }, (res) => {
      res.resume();
      res.on('end', () => {
        const end = now();
        const b = Math.floor(end / bucketMs);
        if (b < buckets) {
          counts[b]++;
          maxLatency[b] = Math.max(maxLatency[b], end - start);
        }
        resolve();
      });
    });
    req.on('error', () => resolve());
    req.end(body);
  });
}

async function client(k) {
  for (let i = k; !stopping; i += concurrency) await once(i);
}

function switchPrecise(on) {
  const atMs = now();
  fetch(`${admin}/precise?on=${on ? 1 : 0}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    .then((r) => r.json())
    .then((j) => switches.push({ on, atMs, pauseMs: j.precise.pauseMs, changed: j.precise.changed, answeredMs: now() - atMs }))
    .catch((err) => switches.push({ on, atMs, error: String(err) }));
}

setTimeout(() => switchPrecise(true), onMs);
setTimeout(() => switchPrecise(false), offMs);
setTimeout(() => { stopping = true; }, totalMs);
const clients = Array.from({ length: concurrency }, (_, k) => client(k));
Promise.all(clients).then(() => {
  agent.destroy();
  // The admin answers may still be on their way.
  const wait = () => (switches.length < 2 ? setTimeout(wait, 20) : process.stdout.write(`${JSON.stringify({
    bucketMs, counts, maxLatencyMs: maxLatency, switches: switches.sort((a, b) => a.atMs - b.atMs),
  })}\n`));
  wait();
});
setTimeout(() => { process.stderr.write('precise-load: timed out\n'); process.exit(2); }, totalMs + 30000).unref();
