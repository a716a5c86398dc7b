'use strict';
// What production needs: data that survives OOM and kill -9, markers on a
// signal, and restarts that append segments.
const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { FIXTURES, REGISTER, runTraced, runPlain, tempDir, reportJson, infoJson, warnings } = require('./helpers');

function spawnTraced(fixture, env) {
  const child = spawn(process.execPath, ['--require', REGISTER, path.join(FIXTURES, fixture)], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdoutText = '';
  child.stderrText = '';
  child.stdout.on('data', (d) => { child.stdoutText += d; });
  child.stderr.on('data', (d) => { child.stderrText += d; });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

function waitForOutput(child, pattern) {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pattern.test(child.stdoutText)) { child.stdout.off('data', check); resolve(); }
    };
    child.stdout.on('data', check);
    child.exited.then(() => reject(new Error(`exited before ${pattern}: ${child.stderrText}`)));
    check();
  });
}

test('near the heap limit the trace is flushed with a marker and the app dies as before', () => {
  const dir = tempDir();
  const file = path.join(dir, 'oom.atrace');
  const r = runTraced('oom-leak.js', { nodeArgs: ['--max-old-space-size=64'], env: { ALLOCTRACE_FILE: file, ALLOCTRACE_PRECISE: '1' } });
  assert.strictEqual(r.signal, 'SIGABRT', `V8's out-of-memory abort, as untraced: ${r.status} ${r.signal}`);
  assert.match(r.stderr, /JavaScript heap out of memory/);
  const info = infoJson(file);
  const marker = info.markers.find((m) => m.name === 'near-heap-limit');
  assert.ok(marker, JSON.stringify(info.markers));
  assert.ok(marker.requestedNs > 0 && marker.requestedNs <= marker.timeNs, 'when V8 called back, before the final poll');
  assert.strictEqual(info.trailer, false);
  const report = reportJson(file, ['--at', 'near-heap-limit', '--group-by', 'function', '--top', '3']);
  assert.strictEqual(report.stats[0].frames[0].function, 'rememberSession');
  assert.ok(report.stats[0].size > 20e6, `the leak holds most of the 64 MB heap: ${report.stats[0].size}`);
});

test('a traced Worker over its resourceLimits fails with ERR_WORKER_OUT_OF_MEMORY and the main thread lives', () => {
  const dir = tempDir();
  const r = runTraced('worker-oom.js', { env: { ALLOCTRACE_FILE: path.join(dir, 'w.atrace') } });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /worker error: ERR_WORKER_OUT_OF_MEMORY/);
  assert.match(r.stdout, /main alive, worker exit code 1/);
  const workerFile = fs.readdirSync(dir).find((f) => /\.t\d+\.atrace$/.test(f));
  assert.ok(workerFile, fs.readdirSync(dir).join(' '));
  const info = infoJson(path.join(dir, workerFile));
  assert.ok(info.markers.some((m) => m.name === 'near-heap-limit'), JSON.stringify(info.markers));
});

test('after kill -9 the file reports everything up to the last poll; info says the trailer is missing', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'killed.atrace');
  const child = spawnTraced('alloc-loop.js', { ALLOCTRACE_FILE: file, ALLOCTRACE_POLL_MS: '100', ALLOCTRACE_INTERVAL: '16k' });
  // Kill once the file holds several polls, however long the machine takes to
  // get there: what reached the disk before the kill must all still be there.
  let before;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (!fs.existsSync(file)) continue;
    before = infoJson(file);
    if (before.durationNs >= 400e6) break; // four polls or more
  }
  child.kill('SIGKILL');
  const { signal } = await child.exited;
  assert.strictEqual(signal, 'SIGKILL');
  const info = infoJson(file);
  assert.strictEqual(info.trailer, false, 'no trailer: the process died');
  assert.ok(info.allocs >= before.allocs && info.allocs > 0, `${info.allocs} allocations after the kill, ${before.allocs} seen before it`);
  assert.ok(info.durationNs >= before.durationNs, `trace covers ${info.durationNs} ns, ${before.durationNs} ns before the kill`);
  assert.strictEqual(info.truncatedAt, null, 'only whole records reach the file');
  const report = reportJson(file, ['--group-by', 'function', '--top', '3']);
  assert.strictEqual(report.stats.filter((s) => s.frames.length)[0].frames[0].function, 'grow');
  const text = require('./helpers').cli(['info', file]);
  assert.match(text.stdout, /missing/i);
});

test('a file removed under the tracer: one warning, tracing stops, the app goes on', () => {
  const dir = tempDir();
  const file = path.join(dir, 'gone.atrace');
  const r = runTraced('remove-own-trace.js', { env: { ALLOCTRACE_FILE: file, ALLOCTRACE_FILE_UNDER_TEST: file, ALLOCTRACE_POLL_MS: '20' } });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stdout, /app done/);
  const w = warnings(r.stderr);
  assert.strictEqual(w.length, 1, r.stderr);
  assert.match(w[0], /was removed; tracing is off/);
});

test('ALLOCTRACE_SIGNAL markers: report --at one marker --compare-to another', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'sig.atrace');
  const child = spawnTraced('signal-phases.js', { ALLOCTRACE_FILE: file, ALLOCTRACE_SIGNAL: 'SIGUSR2', ALLOCTRACE_INTERVAL: '16k' });
  await waitForOutput(child, /phase one/);
  child.kill('SIGUSR2');
  await waitForOutput(child, /phase two/);
  child.kill('SIGUSR2');
  const { code } = await child.exited;
  assert.strictEqual(code, 0, child.stderrText);
  const info = infoJson(file);
  const names = info.markers.map((m) => m.name);
  assert.deepStrictEqual(names, ['start', 'SIGUSR2-1', 'SIGUSR2-2', 'exit']);
  const report = reportJson(file, ['--at', 'SIGUSR2-2', '--compare-to', 'SIGUSR2-1', '--group-by', 'function']);
  const grown = report.stats.filter((s) => s.frames.length && s.sizeDiff > 100e3).map((s) => s.frames[0].function);
  assert.deepStrictEqual(grown, ['phaseTwo'], 'only phase two grew between the markers');
  const atFirst = reportJson(file, ['--at', 'SIGUSR2-1', '--group-by', 'function', '--top', '1']);
  assert.strictEqual(atFirst.stats[0].frames[0].function, 'phaseOne');
});

test('stopping and restarting into the same file appends a segment the reader follows', () => {
  const dir = tempDir();
  const file = path.join(dir, 'seg.atrace');
  const r = runPlain('restart-segments.js', { args: [file] });
  assert.strictEqual(r.status, 0, r.stderr);
  const info = infoJson(file);
  assert.deepStrictEqual(info.markers.map((m) => m.name), ['start', 'one', 'stop', 'start', 'two', 'stop']);
  const one = reportJson(file, ['--at', 'one', '--group-by', 'function', '--top', '1']);
  const two = reportJson(file, ['--at', 'two', '--group-by', 'function', '--top', '1']);
  assert.strictEqual(one.stats[0].frames[0].function, 'phaseOne');
  assert.strictEqual(two.stats[0].frames[0].function, 'phaseTwo');
});
