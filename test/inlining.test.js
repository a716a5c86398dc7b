'use strict';
// Attribution under each optimizing compiler the running V8 has, with the
// compile forced by %-natives (test/fixtures/inline-attribution.js), so the
// outcome depends on the flags alone, never on when the JIT gets there:
// by default an inlined callee's allocations are charged to its caller;
// precise mode charges every one of them to the function that made it.
const test = require('node:test');
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { runTraced, tempDir, reportJson } = require('./helpers');

/** Whether the running V8 turns Maglev on by default (Node 24 and later). */
function maglevOnByDefault() {
  const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
  const m = /^\s+--maglev \(.*\)\n\s+type: bool\s+default: (--no-maglev|--maglev)$/m.exec(options);
  return m !== null && m[1] === '--maglev';
}

function attribution(compiler, precise) {
  const file = path.join(tempDir(), `${compiler}.atrace`);
  const r = runTraced('inline-attribution.js', {
    args: [compiler],
    // Maglev as the top tier: without it, `caller` may tier up to TurboFan mid-run.
    nodeArgs: ['--allow-natives-syntax', ...(compiler === 'maglev' ? ['--no-turbofan'] : [])],
    env: { ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '16384', ALLOCTRACE_PRECISE: precise ? '1' : '0' },
  });
  assert.strictEqual(r.status, 0, `fixture exited ${r.status}: ${r.stdout}${r.stderr}`);
  const report = reportJson(file, ['--at', 'done', '--compare-to', 'optimized', '--group-by', 'function', '--top', '20']);
  const size = (fn) => report.stats.filter((s) => s.frames[0]?.function === fn).reduce((a, s) => a + s.sizeDiff, 0);
  const leaf = size('leaf');
  const caller = size('caller');
  // 20000 objects of ~100 B each, all kept.
  assert.ok(leaf + caller > 1_500_000, `leaf ${leaf} + caller ${caller}`);
  return { leaf, caller, share: leaf / (leaf + caller), report };
}

for (const compiler of ['turbofan', 'maglev']) {
  const skip = compiler === 'maglev' && !maglevOnByDefault() ? `Maglev is off by default in V8 ${process.versions.v8}` : false;

  test(`${compiler}, default mode: the inlined callee's allocations are charged to its caller, and the report says so`, { skip }, () => {
    const { share, leaf, caller, report } = attribution(compiler, false);
    assert.ok(share < 0.05, `leaf ${leaf} B, caller ${caller} B: the callee was expected to be inlined`);
    assert.ok(report.warnings.some((w) => /inlin/.test(w)), 'the report warns about inlining');
  });

  test(`${compiler}, precise mode: every allocation is charged to the function that made it`, { skip }, () => {
    const { share, leaf, caller, report } = attribution(compiler, true);
    assert.ok(share > 0.95, `leaf ${leaf} B, caller ${caller} B: precise mode must not inline`);
    assert.ok(!report.warnings.some((w) => /inlin/.test(w)), 'no inlining caveat in precise mode');
  });
}
