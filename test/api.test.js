'use strict';
// The in-process API in a real Node process with the real addon.
const test = require('node:test');
const assert = require('node:assert');
const { runPlain, warnings } = require('./helpers');

test('start, snapshots, compareTo, filters, traced memory, clear, dump/load, stop', () => {
  const r = runPlain('api-usage.js');
  assert.strictEqual(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.strictEqual(out.startedFirst, true);
  assert.strictEqual(out.startedAgain, true, 'start() while tracing is harmless');
  assert.strictEqual(out.isTracing, true);
  assert.strictEqual(out.tracebackLimit, 12);

  // 20000 entries of ~600 B (object, string, 64-element array).
  assert.strictEqual(out.topDiff.function, 'growCache');
  assert.ok(out.topDiff.sizeDiff > 8e6 && out.topDiff.sizeDiff < 25e6, `sizeDiff ${out.topDiff.sizeDiff}`);
  assert.ok(out.topDiff.countDiff > 20000, `countDiff ${out.topDiff.countDiff}`);
  assert.match(out.topDiff.text, /api-usage\.js:\d+.*growCache.*size=|api-usage\.js:\d+/);
  assert.strictEqual(out.stats[0].function, 'growCache');
  assert.ok(out.cumulative.includes('growCache'));
  assert.ok(!out.afterExcludeFunctions.includes('growCache'), 'the exclude filter drops the fixture file');

  assert.ok(out.memory.current > 8e6, `current ${out.memory.current}`);
  assert.ok(out.memory.peak >= out.memory.current);
  assert.ok(out.peakAfterReset <= out.memory.current * 1.05 + 1e6);
  assert.strictEqual(out.loadedSameTotal, true, 'dump then load keeps the statistics');

  // Forgotten, but for what the next poll newly samples (a sample stands for ~16 KiB).
  assert.ok(out.afterClear < 200e3, `clearTraces forgets the live set: ${out.afterClear} B left of ${out.memory.current}`);
  assert.strictEqual(out.clearedHasCache, false);
  assert.strictEqual(out.isTracingAfterStop, false);
  assert.match(out.snapshotAfterStop, /must be tracing/);
  assert.strictEqual(out.badOption, false);
  const w = warnings(r.stderr);
  assert.strictEqual(w.length, 1, r.stderr);
  assert.match(w[0], /interval must be a whole number/);
});
