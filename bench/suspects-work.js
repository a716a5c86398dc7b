'use strict';
// One measurement for bench/suspects.js: an allocation-heavy loop (objects
// and strings kept in a rolling window, as a request handler's garbage) timed
// for MS milliseconds, plain or with the inspector's allocation tracking on
// (what suspects() switches on for its window: --no-compact and
// startTrackingHeapObjects with trackAllocations). Prints {"opsPerSec"}.
const inspector = require('node:inspector');
const v8 = require('node:v8');

const [mode, ms = '3000'] = process.argv.slice(2);

function work(i, keep) {
  const o = { i, name: `item-${i}`, tags: ['a', 'b', String(i % 10)] };
  keep[i % keep.length] = o;
  return o.name.length;
}

function measure(durationMs) {
  const keep = new Array(10000);
  let ops = 0;
  const end = Date.now() + durationMs;
  while (Date.now() < end) for (let k = 0; k < 1000; k++) work(ops++, keep);
  return ops / (durationMs / 1000);
}

measure(300); // warm up: optimized code, as in a running service
if (mode === 'tracking') {
  const s = new inspector.Session();
  s.connect();
  v8.setFlagsFromString('--no-compact');
  s.post('HeapProfiler.enable');
  s.post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
}
process.stdout.write(`${JSON.stringify({ opsPerSec: measure(Number(ms)) })}\n`);
process.exit(0);
