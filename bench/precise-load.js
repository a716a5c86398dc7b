'use strict';
// Part (precise) load generator: keep-alive clients at a fixed concurrency
// against two instances of bench/http-server.js at once (as bench/http-load.js
// does against one), the one that switches and a control beside it. Every
// TICK_MS it notes, for each, the requests completed so far and the CPU time
// the server process has used (/proc/PID/stat), and at ON_MS / OFF_MS after
// the start it switches the first one's precise mode through its admin
// endpoint. Requests per CPU-second of the server is its throughput as it
// would be on a core of its own, whatever else runs on this shared machine.
// Usage: node bench/precise-load.js PORT PID CONTROL_PORT CONTROL_PID ADMIN_URL TOKEN TOTAL_MS CONCURRENCY TICK_MS ON_MS OFF_MS
// (CONCURRENCY per server) → {"ticks": [{"ms", "requests": [a, b], "cpuMs": [a, b], "maxLatencyMs"}],
// "switches": [{"on", "atMs", "pauseMs", "changed", "answeredMs"}]}
const fs = require('node:fs');
const http = require('node:http');

const args = process.argv.slice(2);
const [port, pid, controlPort, controlPid] = args.slice(0, 4).map(Number);
const [admin, token] = args.slice(4, 6);
const [totalMs, concurrency, tickMs, onMs, offMs] = args.slice(6).map(Number);
const CLOCK_TICK_MS = 10; // USER_HZ = 100 on Linux

const targets = [[port, pid], [controlPort, controlPid]].map(([p, id]) => ({
  port: p,
  pid: id,
  agent: new http.Agent({ keepAlive: true, maxSockets: concurrency }),
  requests: 0,
  maxLatency: 0,
}));
const ticks = [];
const switches = [];
let stopping = false;
const t0 = process.hrtime.bigint();
const now = () => Number(process.hrtime.bigint() - t0) / 1e6;

/** utime + stime of a process, in ms. */
function cpuMs(id) {
  const stat = fs.readFileSync(`/proc/${id}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
}

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
        target.requests++;
        target.maxLatency = Math.max(target.maxLatency, now() - start);
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

function tick() {
  ticks.push({
    ms: now(), requests: targets.map((t) => t.requests), cpuMs: targets.map((t) => cpuMs(t.pid)),
    maxLatencyMs: targets[0].maxLatency,
  });
  targets[0].maxLatency = 0;
}

function switchPrecise(on) {
  const atMs = now();
  fetch(`${admin}/precise?on=${on ? 1 : 0}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    .then((r) => r.json())
    .then((j) => switches.push({ on, atMs, pauseMs: j.precise.pauseMs, changed: j.precise.changed, answeredMs: now() - atMs }))
    .catch((err) => switches.push({ on, atMs, error: String(err) }));
}

tick();
const ticker = setInterval(tick, tickMs);
setTimeout(() => switchPrecise(true), onMs);
setTimeout(() => switchPrecise(false), offMs);
setTimeout(() => {
  tick();
  clearInterval(ticker);
  stopping = true;
}, totalMs);
const clients = targets.flatMap((t) => Array.from({ length: concurrency }, (_, k) => client(t, k)));
Promise.all(clients).then(() => {
  for (const t of targets) t.agent.destroy();
  // The admin answers may still be on their way.
  const wait = () => (switches.length < 2 ? setTimeout(wait, 20)
    : process.stdout.write(`${JSON.stringify({ ticks, switches: switches.sort((a, b) => a.atMs - b.atMs) })}\n`));
  wait();
});
setTimeout(() => { process.stderr.write('precise-load: timed out\n'); process.exit(2); }, totalMs + 30000).unref();
