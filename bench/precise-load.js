'use strict';
// Part (precise) load generator: keep-alive clients at a fixed concurrency
// against two instances of bench/http-server.js at once (as bench/http-load.js
// does against one), the one that switches and a control beside it, counting
// each one's completed requests per BUCKET_MS, while it switches precise mode
// through the first one's admin endpoint at the given times (ms after the
// start): on at ON_MS, off at OFF_MS. Both see the same machine at the same
// moment, so their ratio cancels most of what other work on the machine does.
// Usage: node bench/precise-load.js PORT CONTROL_PORT ADMIN_URL TOKEN TOTAL_MS CONCURRENCY BUCKET_MS ON_MS OFF_MS
// (CONCURRENCY per server) → {"bucketMs", "counts": [...], "control": [...],
// "maxLatencyMs": [...per bucket], "switches": [{"on", "atMs", "pauseMs", "changed", "answeredMs"}]}
const http = require('node:http');

const [port, controlPort, admin, token, totalMs, concurrency, bucketMs, onMs, offMs] =
  process.argv.slice(2).map((a, i) => (i === 2 || i === 3 ? a : Number(a)));
const buckets = Math.ceil(totalMs / bucketMs);
const targets = [port, controlPort].map((p) => ({
  port: p,
  agent: new http.Agent({ keepAlive: true, maxSockets: concurrency }),
  counts: new Array(buckets).fill(0),
  maxLatency: new Array(buckets).fill(0),
}));
const switches = [];
let stopping = false;
const t0 = process.hrtime.bigint();
const now = () => Number(process.hrtime.bigint() - t0) / 1e6;

function once(target, i) {
  return new Promise((resolve) => {
    const post = i % 2 === 0;
    const body = post ? JSON.stringify({ name: `item ${i} for the cache`, tags: ['red', 'green', `t${i % 17}`],
      price: (i % 1000) / 7 }) : undefined;
    const start = now();
    const req = http.request({
      host: '127.0.0.1', port: target.port, agent: target.agent, path: '/items', method: post ? 'POST' : 'GET',
      headers: post ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
    }, (res) => {
      res.resume();
      res.on('end', () => {
        const end = now();
        const b = Math.floor(end / bucketMs);
        if (b < buckets) {
          target.counts[b]++;
          target.maxLatency[b] = Math.max(target.maxLatency[b], end - start);
        }
        resolve();
      });
    });
    req.on('error', () => resolve());
    req.end(body);
  });
}

async function client(target, k) {
  for (let i = k; !stopping; i += concurrency) await once(target, i);
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
const clients = targets.flatMap((t) => Array.from({ length: concurrency }, (_, k) => client(t, k)));
Promise.all(clients).then(() => {
  for (const t of targets) t.agent.destroy();
  // The admin answers may still be on their way.
  const wait = () => (switches.length < 2 ? setTimeout(wait, 20) : process.stdout.write(`${JSON.stringify({
    bucketMs, counts: targets[0].counts, control: targets[1].counts, maxLatencyMs: targets[0].maxLatency,
    switches: switches.sort((a, b) => a.atMs - b.atMs),
  })}\n`));
  wait();
});
setTimeout(() => { process.stderr.write('precise-load: timed out\n'); process.exit(2); }, totalMs + 30000).unref();
