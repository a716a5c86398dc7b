'use strict';
// The "bare V8 sampler" baseline: V8's sampling heap profiler at alloctrace's
// default interval and depth, started in-process, with nothing reading it.
// Usage: node --require bench/sampler-preload.js app.js
// Env: BENCH_SAMPLER_INTERVAL (default 524288), BENCH_SAMPLER_DEPTH (default 64).
const inspector = require('node:inspector');

const session = new inspector.Session();
session.connect();
session.post('HeapProfiler.startSampling', {
  samplingInterval: Number(process.env.BENCH_SAMPLER_INTERVAL || 524288),
  stackDepth: Number(process.env.BENCH_SAMPLER_DEPTH || 64),
}, (err) => {
  if (err) process.stderr.write(`sampler-preload: ${err.message}\n`);
});
