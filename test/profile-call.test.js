'use strict';
// profileCall / wrap: CPU by function with callers, and the bytes a call
// allocated, for sync and async calls, with and without alloctrace tracing.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runPlain } = require('./helpers');

function run(args = []) {
  const r = runPlain('profile-call.js', { args });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('profileCall: a sync call stays sync; CPU by function with callers; allocations by site; exceptions pass through', () => {
  const out = run();
  assert.equal(out.syncIsPromise, false);
  assert.equal(out.syncResult, 200001);
  const cpu = Object.fromEntries(out.sync.cpu.map((c) => [c.function, c]));
  assert.ok(out.sync.cpuSamples > 0);
  assert.ok(cpu.work && cpu.makeRows, JSON.stringify(out.sync.cpu.map((c) => c.function)));
  assert.deepEqual(cpu.makeRows.callers, ['work']);
  assert.ok(cpu.work.totalMs >= cpu.makeRows.totalMs, 'a caller\'s total includes its callee');
  // The measuring is not the call: neither this module's frames nor the caller's stack appear.
  for (const c of out.sync.cpu) assert.ok(!c.file.endsWith('dist/profile-call.js') && c.function !== 'main', c.function);
  assert.equal(out.sync.allocated.source, 'inspector');
  assert.equal(out.sync.allocated.top.function, 'makeRows');
  // 200000 objects of ~4 fields and 60-character strings: well over 10 MB.
  assert.ok(out.sync.allocated.bytes > 10e6, `${out.sync.allocated.bytes}`);
  assert.match(out.text, /total ms {4}self ms {2}function/);
  assert.match(out.text, /← [\d.]+ ms from work/);
  assert.equal(out.thrown, 'boom');
});

test('wrap: an async function stays async, its table is printed with the function named', () => {
  const out = run();
  assert.equal(out.wrappedResult, 50000);
  assert.match(out.printed, /^alloctrace profile of handler\(\):/);
  assert.match(out.printed, /allocated: [\d.]+ (KiB|MiB) estimated from \d+ samples\n +[\d.]+ (KiB|MiB) +makeRows/);
});

test('profileCall while alloctrace traces: its sampler answers and keeps running', () => {
  const out = run(['traced']);
  assert.equal(out.started, true);
  assert.equal(out.stillTracing, true, 'the inspector\'s sampler was not borrowed');
  assert.equal(out.traced.allocated.source, 'tracer');
  assert.equal(out.traced.allocated.top.function, 'makeRows');
  assert.ok(out.traced.allocated.bytes > 1e6, `${out.traced.allocated.bytes}`);
});
