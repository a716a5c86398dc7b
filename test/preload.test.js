'use strict';
// The preload must never harm the host app: any tracer failure is one warning
// on stderr and the app runs and exits as it would have.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { FIXTURES, REGISTER, runTraced, tempDir, warnings, infoJson } = require('./helpers');

function assertAppUnharmed(r, expectedWarning) {
  assert.strictEqual(r.status, 0, `app exit code; stderr: ${r.stderr}`);
  assert.match(r.stdout, /app done 100000/);
  const w = warnings(r.stderr);
  assert.strictEqual(w.length, 1, `exactly one warning, got: ${JSON.stringify(w)}`);
  assert.match(w[0], expectedWarning);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('an unwritable trace path warns once and the app exits 0', () => {
  const r = runTraced('plain-app.js', { env: { ALLOCTRACE_FILE: '/nonexistent-dir/x/trace.atrace' } });
  assertAppUnharmed(r, /cannot open \/nonexistent-dir\/x\/trace\.atrace.*tracing is off/);
});

test("V8's sampler already taken (node --heap-prof) warns once and the app exits 0", () => {
  const dir = tempDir();
  const r = runTraced('plain-app.js', { nodeArgs: ['--heap-prof', '--heap-prof-dir', dir], env: { ALLOCTRACE_FILE: path.join(dir, 't.atrace') } });
  assertAppUnharmed(r, /sampling heap profiler is already in use.*tracing is off/);
  assert.ok(fs.readdirSync(dir).some((f) => f.endsWith('.heapprofile')), 'the other profiler kept working');
});

test('a write error (the file size limit, as on a full disk) warns once and the app exits 0', () => {
  const dir = tempDir();
  // Node ignores SIGXFSZ, so a write past `ulimit -f` fails with EFBIG.
  const r = spawnSync('sh', ['-c', 'ulimit -f 1; exec "$0" --require "$1" "$2"', process.execPath, REGISTER, path.join(FIXTURES, 'plain-app.js')], {
    env: { ...process.env, ALLOCTRACE_FILE: path.join(dir, 't.atrace'), ALLOCTRACE_INTERVAL: '1k' }, encoding: 'utf8',
  });
  assertAppUnharmed(r, /cannot write .*t\.atrace: File too large; tracing is off/);
});

for (const [name, value, message] of [
  ['ALLOCTRACE_INTERVAL', 'lots', /ALLOCTRACE_INTERVAL must be a byte count/],
  ['ALLOCTRACE_INTERVAL', '0', /ALLOCTRACE_INTERVAL must be a whole number from 1/],
  ['ALLOCTRACE_DEPTH', '-3', /ALLOCTRACE_DEPTH must be a whole number/],
  ['ALLOCTRACE_POLL_MS', '1', /ALLOCTRACE_POLL_MS must be a whole number from 10/],
  ['ALLOCTRACE_PRECISE', 'maybe', /ALLOCTRACE_PRECISE must be 1 or 0/],
  ['ALLOCTRACE_ARGV', 'some', /ALLOCTRACE_ARGV must be one of full, redacted, none/],
  ['ALLOCTRACE_MAX_BYTES', '1t', /ALLOCTRACE_MAX_BYTES must be a byte count such as 524288, 512k or 1g/],
  ['ALLOCTRACE_KEEP', 'all', /ALLOCTRACE_KEEP must be a whole number/],
]) {
  test(`a bad ${name}=${value} warns once and the app runs untraced`, () => {
    const dir = tempDir();
    const file = path.join(dir, 't.atrace');
    const r = runTraced('plain-app.js', { env: { ALLOCTRACE_FILE: file, [name]: value } });
    assertAppUnharmed(r, message);
    assert.strictEqual(fs.existsSync(file), false, 'no trace file when tracing is off');
  });
}

test('a healthy preload is silent and writes a complete trace', () => {
  const dir = tempDir();
  const file = path.join(dir, 't-%p.atrace');
  const r = runTraced('plain-app.js', { env: { ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '16k' } });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.strictEqual(r.stderr, '');
  const written = fs.readdirSync(dir);
  assert.strictEqual(written.length, 1);
  assert.match(written[0], /^t-\d+\.atrace$/, '%p expands to the pid');
  const info = infoJson(path.join(dir, written[0]));
  assert.strictEqual(info.trailer, true);
  assert.strictEqual(info.truncatedAt, null);
  assert.ok(info.allocs > 0, 'samples were recorded');
  assert.deepStrictEqual(info.markers.map((m) => m.name), ['start', 'exit']);
  // The tracer's own allocations (preload, exit poll) are left out, as tracemalloc leaves out its own.
  const all = require('./helpers').reportJson(path.join(dir, written[0]), ['--group-by', 'traceback', '--top', '100000']);
  const own = all.stats.filter((s) => s.frames.some((f) => f.file.startsWith(path.join(__dirname, '..', 'dist'))));
  assert.deepStrictEqual(own, []);
});

test('a Worker traced and terminated mid-run does not crash the process', () => {
  const dir = tempDir();
  const file = path.join(dir, 'w.atrace');
  const r = runTraced('worker-terminate.js', { env: { ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '8k', ALLOCTRACE_POLL_MS: '20' } });
  assert.strictEqual(r.status, 0, `exit ${r.status} signal ${r.signal}; stderr: ${r.stderr}`);
  assert.match(r.stdout, /main alive after terminate: 1,1,1/);
  assert.strictEqual(warnings(r.stderr).length, 0, r.stderr);
  const files = fs.readdirSync(dir).sort();
  // The main thread's file plus one per Worker (its thread id added to the name).
  assert.strictEqual(files.length, 4, files.join(' '));
  for (const f of files.filter((f) => /\.t\d+\.atrace$/.test(f))) {
    const info = infoJson(path.join(dir, f));
    assert.ok(info.header.threadId > 0, 'a Worker file names its thread');
    assert.ok(info.allocs > 0, `${f} holds the Worker's samples`);
  }
});

test('ALLOCTRACE_EXIT_GC=0 skips the full GC before the exit snapshot', () => {
  const dir = tempDir();
  const run = (exitGc) => {
    const file = path.join(dir, `exit-gc-${exitGc}.atrace`);
    const r = runTraced('plain-app.js', { env: { ALLOCTRACE_FILE: file, ALLOCTRACE_EXIT_GC: exitGc } });
    assert.strictEqual(r.status, 0, r.stderr);
    return require('./helpers').cli(['info', file]).stdout;
  };
  assert.match(run('1'), /exit \([\d.]+ m?s, after GC\)/);
  const without = run('0');
  assert.match(without, /exit \([\d.]+ m?s\)/);
  assert.doesNotMatch(without, /after GC/);
});

test('a trace already at a %p name (pid reused after a restart) is left as it is: the new one takes the next free number', () => {
  const dir = tempDir();
  const r = require('./helpers').runPlain('pid-reuse.js', { args: [dir] });
  assert.strictEqual(r.status, 0, r.stderr);
  const pid = r.stdout.trim();
  const files = fs.readdirSync(dir).sort();
  assert.deepStrictEqual(files, [`t-${pid}.1.atrace`, `t-${pid}.atrace`]);
  assert.strictEqual(fs.readFileSync(path.join(dir, `t-${pid}.atrace`), 'utf8'), 'the earlier process trace');
  assert.strictEqual(infoJson(path.join(dir, `t-${pid}.1.atrace`)).trailer, true, 'the new trace is whole');
  const w = warnings(r.stderr);
  assert.strictEqual(w.length, 1, r.stderr);
  assert.strictEqual(w[0], `alloctrace: ${path.join(dir, `t-${pid}.atrace`)} already exists; tracing to ${path.join(dir, `t-${pid}.1.atrace`)}`);
});
