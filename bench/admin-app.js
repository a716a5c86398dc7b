'use strict';
// Part admin, the app: an HTTP service on 127.0.0.1 (random port, printed as
// {"port": N} on stdout) whose heap holds a 200k-entry Map (~26 MB live, as sampled), so
// that a full GC forced by the admin endpoint costs what it would in a real
// service, not the microseconds of an empty heap.
//   GET /       builds ~200 small objects and answers them as JSON
//   GET /stats  {rss, heapUsed, majorGcs, gcMs, loopMaxMs}: full GCs seen by a
//               PerformanceObserver (any cause), counted independently of
//               the admin endpoint's own count, and the longest event-loop
//               delay since the previous /stats (the app's own view of its
//               stalls, whatever the load generator's CPU share); POST /exit
//               answers them, then exits
// Run under the preload with ALLOCTRACE_HTTP: the endpoint is the preload's.
const { send, serveApp } = require('./app-server');
const { PerformanceObserver, constants, monitorEventLoopDelay } = require('node:perf_hooks');

const ENTRIES = 200000;
const store = new Map();
for (let i = 0; i < ENTRIES; i++) store.set(i, { id: i, name: `entry-${i}`, score: i % 977 });

let majorGcs = 0;
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.detail && e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      majorGcs += 1;
      gcMs += e.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });

const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

function stats() {
  const m = process.memoryUsage();
  const loopMaxMs = loop.max / 1e6;
  loop.reset();
  return { rss: m.rss, heapUsed: m.heapUsed, majorGcs, gcMs, loopMaxMs };
}

let cursor = 0;
function page(res) {
  const items = [];
  for (let i = 0; i < 200; i++) {
    const e = store.get((cursor + i * 997) % ENTRIES);
    items.push({ id: e.id, label: e.name.toUpperCase(), score: e.score * 2, half: e.id >> 1 });
  }
  cursor = (cursor + 1) % ENTRIES;
  send(res, 200, { count: items.length, items });
}

serveApp((req, res) => {
  if (req.url !== '/') return false;
  page(res);
  return true;
}, stats, 600000);
