'use strict';
// Precise mode switched while the app runs, in real processes with every
// compile forced by %-natives (test/fixtures/precise-switch.js), so that the
// outcome depends on the switch alone, never on when the JIT gets there: the
// signal's switch deoptimizes the inlining caller, code compiled after it
// charges each allocation to the function that made it, and reports between
// the markers say their window was exact.
const test = require('node:test');
const assert = require('node:assert');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { FIXTURES, REGISTER, runPlain, runTraced, tempDir, reportJson, infoJson, warnings } = require('./helpers');

/** Whether the running V8 turns Maglev on by default (Node 24 and later). */
function maglevOnByDefault() {
  const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
  const m = /^\s+--maglev \(.*\)\n\s+type: bool\s+default: (--no-maglev|--maglev)$/m.exec(options);
  return m !== null && m[1] === '--maglev';
}

/** Runs the fixture, sending SIGUSR2 after each phase it announces; resolves {code, seen, stderr}. */
function runSwitching(compiler, file) {
  const child = spawn(process.execPath, [
    '--allow-natives-syntax', ...(compiler === 'maglev' ? ['--no-turbofan'] : []),
    '--require', REGISTER, path.join(FIXTURES, 'precise-switch.js'), compiler,
  ], {
    env: { ...process.env, ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '16384', ALLOCTRACE_PRECISE_SIGNAL: 'SIGUSR2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.on('data', (d) => {
    stdout += d;
    if (/phase (one|two)\n$/.test(stdout)) child.kill('SIGUSR2');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
  return new Promise((resolve) => child.on('exit', (code) => {
    clearTimeout(timer);
    const last = stdout.trimEnd().split('\n').pop();
    resolve({ code, seen: last.startsWith('{') ? JSON.parse(last) : null, stdout, stderr });
  }));
}

function shares(file, at, compareTo) {
  const report = reportJson(file, ['--at', at, '--compare-to', compareTo, '--group-by', 'function', '--top', '20']);
  const size = (fn) => report.stats.filter((s) => s.frames[0]?.function === fn).reduce((a, s) => a + s.sizeDiff, 0);
  const leaf = size('leaf');
  const caller = size('caller');
  // 20000 objects of ~100 B each, all kept.
  assert.ok(leaf + caller > 1_500_000, `leaf ${leaf} + caller ${caller} between ${compareTo} and ${at}`);
  return { leaf, caller, share: leaf / (leaf + caller), report };
}

for (const compiler of ['turbofan', 'maglev']) {
  const skip = compiler === 'maglev' && !maglevOnByDefault() ? `Maglev is off by default in V8 ${process.versions.v8}` : false;

  test(`${compiler}: a signal switches precise mode on and off at run time; reports between its markers name the exact function`, { skip }, async () => {
    const file = path.join(tempDir(), `${compiler}.atrace`);
    const { code, seen, stdout, stderr } = await runSwitching(compiler, file);
    assert.strictEqual(code, 0, `${stdout}${stderr}`);
    // The compiles happened as forced, and each switch threw the optimized code away.
    assert.deepStrictEqual(seen, {
      compiler, inlined: compiler, inlinedEnd: compiler,
      preciseAfterSwitch: 'unoptimized', precise: compiler, preciseEnd: compiler,
      offAfterSwitch: 'unoptimized', again: compiler, againEnd: compiler,
    });
    const w = warnings(stderr);
    assert.strictEqual(w.length, 2, stderr);
    assert.match(w[0], /^alloctrace: precise mode on \(SIGUSR2; the switch paused the app [\d.]+ ms\)$/);
    assert.match(w[1], /^alloctrace: precise mode off \(SIGUSR2; the switch paused the app [\d.]+ ms\)$/);
    assert.deepStrictEqual(infoJson(file).markers.map((m) => m.name),
      ['start', 'inlined', 'inlined-done', 'precise-on', 'precise-done', 'precise-off', 'inlining-again', 'inlining-done', 'exit']);

    const before = shares(file, 'inlined-done', 'inlined');
    assert.ok(before.share < 0.05, `before the switch: leaf ${before.leaf} B, caller ${before.caller} B (leaf inlined)`);
    assert.strictEqual(before.report.precise.exact, false);
    assert.ok(before.report.warnings.some((w) => /inlin/.test(w)));

    const during = shares(file, 'precise-done', 'precise-on');
    assert.ok(during.share > 0.95, `precise mode: leaf ${during.leaf} B, caller ${during.caller} B`);
    assert.strictEqual(during.report.precise.exact, true, 'every allocation of the window was made in precise mode');
    assert.ok(!during.report.warnings.some((w) => /inlin/.test(w)), during.report.warnings.join('\n'));

    const after = shares(file, 'inlining-done', 'inlining-again');
    assert.ok(after.share < 0.05, `switched off: leaf ${after.leaf} B, caller ${after.caller} B (inlined again)`);
    assert.strictEqual(after.report.precise.exact, false);

    // The whole trace: about a third of what is live was made in precise mode.
    const end = reportJson(file, []).precise;
    assert.ok(end.inlinedSize > 0 && end.inlinedSize < end.windowSize, JSON.stringify(end));
  });
}

test('setPrecise() in the API: the switch, its pause, a temporary period, and in-process snapshots that know each sample\'s mode', () => {
  const r = runPlain('precise-api.js');
  assert.strictEqual(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepStrictEqual(out.first, { on: true, changed: true, until: null, skipped: null });
  assert.ok(out.firstPauseMs > 0, `pause ${out.firstPauseMs} ms`);
  assert.deepStrictEqual(out.again, { on: true, changed: false, pauseMs: 0, until: null, skipped: null });
  assert.strictEqual(out.isPreciseAfter, true);
  // Growth after the switch is all precise; the whole live set is not.
  assert.ok(out.sinceSwitch.size > 500_000, JSON.stringify(out.sinceSwitch));
  assert.strictEqual(out.sinceSwitch.inlinedSize, 0);
  assert.ok(out.sinceBefore.size >= out.sinceSwitch.size);
  assert.ok(out.all.inlinedSize > 500_000 && out.all.inlinedSize < out.all.size, JSON.stringify(out.all));
  assert.deepStrictEqual(out.loadedSinceSwitch, out.sinceSwitch, 'a dump keeps each sample\'s mode and time');
  // Off, then on for 50 ms: back off by itself; on for good is not cut short by a temporary request.
  assert.strictEqual(out.off.on, false);
  assert.strictEqual(out.temporary.on, true);
  assert.ok(out.temporaryUntilMs > 0 && out.temporaryUntilMs <= 50, `until in ${out.temporaryUntilMs} ms`);
  assert.strictEqual(out.afterTemporary, false, 'a temporary precise mode goes back off by itself');
  assert.deepStrictEqual(out.keptForGood, { on: true, changed: false, until: null });
  assert.match(out.badForMs.skipped, /forMs must be a number of milliseconds/);
  const w = warnings(r.stderr);
  assert.ok(w.some((l) => /precise mode off: its temporary period ended/.test(l)), r.stderr);
  assert.ok(w.some((l) => /forMs must be/.test(l)), r.stderr);
  assert.strictEqual(w.length, 2, r.stderr);
  const markers = infoJson(out.file).markers.map((m) => m.name);
  assert.deepStrictEqual(markers.filter((m) => m.startsWith('precise-')), ['precise-on', 'precise-off', 'precise-on', 'precise-off', 'precise-on']);
});

test('NODE_V8_COVERAGE set: the switch is skipped with one warning and the answer says why; coverage is still written', () => {
  const dir = tempDir();
  const coverage = path.join(dir, 'coverage');
  const r = runPlain('precise-api.js', { args: ['coverage'], env: { NODE_V8_COVERAGE: coverage } });
  assert.strictEqual(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.strictEqual(out.first.on, false);
  assert.strictEqual(out.first.changed, false);
  assert.match(out.first.skipped, /NODE_V8_COVERAGE is set/);
  assert.match(out.second.skipped, /NODE_V8_COVERAGE is set/);
  const w = warnings(r.stderr);
  assert.strictEqual(w.length, 1, r.stderr);
  assert.match(w[0], /NODE_V8_COVERAGE is set: switching precise mode at run time would spoil its coverage, so it was not switched/);
  assert.ok(fs.readdirSync(coverage).some((f) => f.endsWith('.json')), 'the coverage file was written');
  assert.ok(!infoJson(out.file).markers.some((m) => m.name.startsWith('precise-')));
});

for (const [value, why] of [
  ['SIGTERM', /ends the process/], ['SIGINT', /ends the process/], ['SIGHUP', /ends the process/], ['SIGQUIT', /ends the process/],
  ['SIGKILL', /cannot be listened to/], ['SIGSTOP', /cannot be listened to/], ['SIGUSR1', /inspector/],
  ['SIGNOPE', /not a signal alloctrace listens to/],
  ['SIGUSR2', /ALLOCTRACE_SIGNAL writes markers on it/],
]) {
  test(`ALLOCTRACE_PRECISE_SIGNAL=${value} is refused with one warning; tracing goes on`, () => {
    const file = path.join(tempDir(), 't.atrace');
    const env = { ALLOCTRACE_FILE: file, ALLOCTRACE_PRECISE_SIGNAL: value };
    if (value === 'SIGUSR2') env.ALLOCTRACE_SIGNAL = 'SIGUSR2';
    const r = runTraced('plain-app.js', { env });
    assert.strictEqual(r.status, 0, r.stderr);
    const w = warnings(r.stderr);
    assert.strictEqual(w.length, 1, r.stderr);
    assert.match(w[0], why);
    assert.match(w[0], /precise mode has no signal, tracing goes on$/);
    assert.strictEqual(infoJson(file).trailer, true);
  });
}

test('a refused ALLOCTRACE_PRECISE_SIGNAL leaves the app killable by it', async () => {
  const child = spawn(process.execPath, ['--require', REGISTER, '-e', 'setInterval(() => {}, 1000); console.log("up")'], {
    env: { ...process.env, ALLOCTRACE_FILE: path.join(tempDir(), 't.atrace'), ALLOCTRACE_PRECISE_SIGNAL: 'SIGTERM' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  child.kill('SIGTERM');
  const signal = await new Promise((resolve) => child.on('exit', (_, s) => resolve(s)));
  assert.strictEqual(signal, 'SIGTERM');
});

test('alloctrace run is precise by default (a diagnosis session); --no-precise lets V8 inline', () => {
  const { cli } = require('./helpers');
  const dir = tempDir();
  // ~10 MB kept to the end: hundreds of samples at 16 KiB, so the report at the end has a window.
  const keep = 'globalThis.kept = []; for (let i = 0; i < 100000; i++) kept.push({ i, s: String(i).repeat(8) });';
  for (const [flags, precise] of [[[], true], [['--precise'], true], [['--no-precise'], false]]) {
    const file = path.join(dir, `run${flags.join('')}.atrace`);
    const r = cli(['run', ...flags, '--interval', '16k', '-o', file, '--', process.execPath, '-e', keep]);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(infoJson(file).header.precise, precise, flags.join(' '));
    assert.strictEqual(/inlined/.test(r.stdout), !precise, r.stdout);
  }
});
