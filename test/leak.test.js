'use strict';
// A leak that grows with requests must top the comparison with start, while
// larger transient allocations (garbage after each response) do not show.
// In precise mode the leak is charged to the exact function that allocates
// it, even though that function is hot enough to be inlined. (Default mode's
// charge to the caller is proven with a forced compile in inlining.test.js:
// here it would depend on when the JIT gets to `handle`.)
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { runTraced, tempDir, reportJson } = require('./helpers');

function traceLeak(precise) {
  const dir = tempDir();
  const file = path.join(dir, 'leak.atrace');
  const r = runTraced('request-leak.js', {
    args: ['3000'],
    env: { ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '32768', ALLOCTRACE_PRECISE: precise ? '1' : '0' },
  });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /audit log holds 3000/);
  return file;
}

function byFunction(report) {
  const sizes = new Map();
  for (const s of report.stats) if (s.frames.length > 0) sizes.set(s.frames[0].function, s.sizeDiff);
  return sizes;
}

test('precise mode: the request-driven leak tops compare-to start, charged to recordAudit', () => {
  const file = traceLeak(true);
  const report = reportJson(file, ['--compare-to', 'start', '--group-by', 'function', '--top', '10']);
  assert.ok(report.compareTo !== null);
  const top = report.stats[0];
  assert.strictEqual(top.frames[0].function, 'recordAudit');
  // 3000 entries of ~450 B (object + 400-char string): ~1.4 MB and up.
  assert.ok(top.sizeDiff > 1_000_000, `leak sizeDiff ${top.sizeDiff}`);
  const transient = byFunction(report).get('buildResponse') ?? 0;
  assert.ok(transient < top.sizeDiff * 0.2, `transient buildResponse shows ${transient} B against the leak's ${top.sizeDiff}`);
  assert.ok(!report.warnings.some((w) => /inlin/.test(w)), 'no inlining caveat in precise mode');

  const tb = reportJson(file, ['--compare-to', 'start', '--group-by', 'traceback', '--top', '1']);
  const userFrames = tb.stats[0].frames.filter((f) => f.file);
  assert.deepStrictEqual(userFrames.slice(0, 2).map((f) => f.function), ['recordAudit', 'handle'],
    'the traceback leads from the allocating function back to the request handler');
});
