'use strict';
// Part (c) child: traces at a tiny interval, retains about LIVE samples' worth
// of small objects with no poll in between, then times native memory() calls
// (each one is a poll): the first one encodes all the new samples, the next
// ones are steady state (next to nothing new). With BENCH_ROTATE=1 the file
// is capped at 1 byte, so the first poll also rotates: it restates the whole
// live set (and its definitions) at the start of FILE.1 (the rotation's cost
// is the difference from a run without it).
// Usage: node --expose-gc bench/poll-work.js LIVE FILE  → one JSON line on stdout.
const { loadNative } = require('../dist/native');
const { countTrace } = require('./trace-count');

const target = Number(process.argv[2]);
const file = process.argv[3];
const INTERVAL = 128;
const STEADY_POLLS = Number(process.env.BENCH_POLLS || 15);
const BYTES_PER_OBJECT = 130; // measured: ~1 sample per object at a 128-byte interval

const native = loadNative();
// Warm the counter up before tracing, so protobufjs is not part of the live set.
countTrace(Buffer.from('ATRACE\0\x01', 'latin1'));

const rotate = process.env.BENCH_ROTATE === '1';
const error = native.start({
  file, maxBytes: rotate ? 1 : 0, keep: 0, interval: INTERVAL, depth: 64, pollMs: 3600 * 1000, precise: false,
  pid: process.pid, threadId: 0, hostname: 'bench', argv: process.argv, cwd: process.cwd(),
  nodeVersion: process.version,
});
if (error !== undefined) throw new Error(error);

function liveSamples() {
  // A self-contained stream of the live set: its allocs are the live samples.
  return countTrace(native.snapshot(false)).allocs;
}

function ms(f) {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const keep = [];
function retain(samples) {
  const n = Math.ceil(samples * INTERVAL / BYTES_PER_OBJECT);
  for (let i = 0; i < n; i++) keep.push({ i, a: [i, i + 1], s: null, t: 0 });
}

/** Counts the live samples, then collects the counter's own garbage and polls its frees away. */
function settle() {
  const live = liveSamples();
  global.gc();
  native.memory();
  return live;
}

// Synchronous since start: no timer poll has run, every sample is new.
retain(target);
// CPU time too: on a busy machine it moves less than the wall clock (it also
// counts the writer thread, which does the same work either way but for the
// rotated file's start).
const cpu0 = process.cpuUsage();
const firstMs = ms(() => native.memory());
const cpu = process.cpuUsage(cpu0);
const firstCpuMs = (cpu.user + cpu.system) / 1000;
const fresh = settle();
let live = fresh;
// V8 samples a bit less than one object in BYTES_PER_OBJECT: top up to the target.
for (let round = 0; round < 10 && live < 0.95 * target; round++) {
  retain((target - live) * (keep.length / live));
  native.memory();
  live = settle();
}

native.memory();
const steady = [];
for (let i = 0; i < STEADY_POLLS; i++) steady.push(ms(() => native.memory()));
const sorted = [...steady].sort((a, b) => a - b);
const liveAfter = liveSamples();
native.stop(false);
// The self-contained start of the file rotated into: its records up to the restated live set's end.
let rotatedStartBytes = 0;
let restated = 0;
const rotatedInto = file.replace(/\.atrace$/, '.1.atrace');
if (rotate && require('node:fs').existsSync(rotatedInto)) {
  const { TraceReader } = require('../dist/format/reader');
  for (const { offset, record } of new TraceReader(rotatedInto).records()) {
    if (restated > 0) {
      rotatedStartBytes = offset;
      break;
    }
    if (record.kind === 'batch') restated = record.batch.allocIds.length;
  }
}

process.stdout.write(`${JSON.stringify({
  target, fresh, live, liveAfter, firstMs, firstCpuMs, steadyMedianMs: sorted[sorted.length >> 1], steadyMinMs: sorted[0],
  steadyMs: steady, interval: INTERVAL, objects: keep.length, rotate, restated, rotatedStartBytes,
})}\n`);
