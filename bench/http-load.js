'use strict';
// Part (b) load generator: keep-alive HTTP clients at a fixed concurrency
// against 127.0.0.1:PORT; a warm-up, then a timed phase that counts requests
// and latencies. Usage: node bench/http-load.js PORT DURATION_MS CONCURRENCY WARMUP_MS
// → {"requests", "rps", "p50Ms", "p99Ms", "errors"} on stdout.
const http = require('node:http');

const [port, durationMs, concurrency, warmupMs] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const latencies = [];
let errors = 0;
let counting = false;
let stopping = false;

function once(i) {
  return new Promise((resolve) => {
    const post = i % 2 === 0;
    const body = post ? JSON.stringify({ name: `item ${i} for the cache`, tags: ['red', 'green', `t${i % 17}`],
      price: (i % 1000) / 7 }) : undefined;
    const t0 = process.hrtime.bigint();
    const req = http.request({
      host: '127.0.0.1', port, agent, path: '/items', method: post ? 'POST' : 'GET',
      headers: post ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
    }, (res) => {
      res.resume();
      res.on('end', () => {
        if (counting) {
          if (res.statusCode >= 400) errors++;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        resolve();
      });
    });
    req.on('error', () => { if (counting) errors++; resolve(); });
    req.end(body);
  });
}

async function client(k) {
  for (let i = k; !stopping; i += concurrency) await once(i);
}

const clients = Array.from({ length: concurrency }, (_, k) => client(k));
let t0;
setTimeout(() => {
  counting = true;
  t0 = process.hrtime.bigint();
  setTimeout(() => { counting = false; stopping = true; }, durationMs);
}, warmupMs);

Promise.all(clients).then(() => {
  const seconds = durationMs / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  agent.destroy();
  process.stdout.write(`${JSON.stringify({
    requests: latencies.length, rps: latencies.length / seconds, p50Ms: q(0.5), p99Ms: q(0.99), errors,
    measuredMs: Number(process.hrtime.bigint() - t0) / 1e6,
  })}\n`);
});
// Bounded in time whatever happens.
setTimeout(() => { process.stderr.write('http-load: timed out\n'); process.exit(2); }, warmupMs + durationMs + 20000).unref();
