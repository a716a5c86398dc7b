'use strict';
// End to end through the preload: retained memory at two sites is estimated
// within a stated tolerance of what V8 itself measured, and ranked right.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { runTraced, tempDir, reportJson } = require('./helpers');

// At an 8 KiB interval, 2 MB is ~240 samples: Poisson noise is ~6.5 %, so
// 25 % is a loose bound (nearly 4 sigma) that still catches any scaling
// mistake (doubling, a missing unsampling, counting a sample twice).
const TOLERANCE = 0.25;

test('two sites retaining known amounts are estimated within 25 % and ranked right', () => {
  const dir = tempDir();
  const file = path.join(dir, 'two.atrace');
  const r = runTraced('two-sites.js', {
    nodeArgs: ['--expose-gc'],
    args: ['6000000', '2000000'],
    env: { ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '8192' },
  });
  assert.strictEqual(r.status, 0, r.stderr);
  const truth = JSON.parse(r.stdout);
  const report = reportJson(file, ['--group-by', 'function', '--top', '5']);
  const [first, second] = report.stats.filter((s) => s.frames.length > 0);
  assert.strictEqual(first.frames[0].function, 'retainBigSite');
  assert.strictEqual(second.frames[0].function, 'retainSmallSite');
  assert.strictEqual(first.frames[0].file, path.join(__dirname, 'fixtures', 'two-sites.js'));
  for (const [stat, actual] of [[first, truth.a], [second, truth.b]]) {
    const error = Math.abs(stat.size - actual) / actual;
    assert.ok(error < TOLERANCE, `${stat.frames[0].function}: estimated ${stat.size} B, V8 measured ${actual} B (${(error * 100).toFixed(1)} % off)`);
    assert.ok(stat.samples >= 30, `enough samples to judge: ${stat.samples}`);
    // One object per retained 1016-byte string.
    const objects = actual / 1016;
    assert.ok(Math.abs(stat.count - objects) / objects < TOLERANCE, `count ${stat.count}, expected ~${Math.round(objects)}`);
  }
  assert.ok(report.total.size >= first.size + second.size);
});
