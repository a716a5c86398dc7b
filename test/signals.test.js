'use strict';
// ALLOCTRACE_SIGNAL takes only signals nobody sends to end, stop or debug a
// process; any other is one warning, ignored, and tracing goes on.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { FIXTURES, REGISTER, runTraced, tempDir, infoJson, warnings } = require('./helpers');
const { LISTENABLE_SIGNALS, checkListenableSignal } = require('../dist/signals');

/** Starts signal-wait.js under the preload; resolves once it printed "ready". */
function startWaiting(env, args = []) {
  const child = spawn(process.execPath, ['--require', REGISTER, path.join(FIXTURES, 'signal-wait.js'), ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => { stdout += d; if (stdout.includes('ready\n')) resolve(); });
    exited.then(() => reject(new Error(`exited before ready: ${stderr}`)));
  });
  return { child, ready, exited };
}

test('the allow-list: SIGUSR2, SIGWINCH, SIGURG; every other signal of this platform is refused with its reason', () => {
  assert.deepEqual([...LISTENABLE_SIGNALS], ['SIGUSR2', 'SIGWINCH', 'SIGURG']);
  for (const name of Object.keys(os.constants.signals)) {
    const choice = checkListenableSignal(name, 'ALLOCTRACE_SIGNAL');
    if (LISTENABLE_SIGNALS.includes(name)) {
      assert.deepEqual(choice, { signal: name });
    } else {
      assert.ok('refused' in choice, `${name} is refused`);
      assert.match(choice.refused, new RegExp(`^ALLOCTRACE_SIGNAL=${name} is ignored: ${name} \\S.*; use SIGUSR2, SIGWINCH, SIGURG; tracing goes on without it$`),
        `${name} is refused with a reason of its own: ${choice.refused}`);
    }
  }
  assert.deepEqual(checkListenableSignal('usr2', 'X'), { signal: 'SIGUSR2' }, 'case and the SIG prefix do not matter');
  assert.match(checkListenableSignal('SIGUSR1', 'X').refused, /SIGUSR1 starts Node\.js's inspector/);
  assert.match(checkListenableSignal('SIGTERM', 'X').refused, /SIGTERM ends the process .*would keep the app running/);
  assert.match(checkListenableSignal('SIGNOPE', 'ALLOCTRACE_PRECISE_SIGNAL').refused,
    /^ALLOCTRACE_PRECISE_SIGNAL=SIGNOPE is ignored: not a signal alloctrace listens to/);
});

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  test(`ALLOCTRACE_SIGNAL=${signal}: one warning, and ${signal} still ends the app`, { timeout: 60000 }, async () => {
    const dir = tempDir();
    const { child, ready, exited } = startWaiting({ ALLOCTRACE_FILE: path.join(dir, 't.atrace'), ALLOCTRACE_SIGNAL: signal });
    await ready;
    child.kill(signal);
    const r = await exited;
    assert.equal(r.signal, signal, `the app died of ${signal} (exit code ${r.code}); stderr: ${r.stderr}`);
    const w = warnings(r.stderr);
    assert.equal(w.length, 1, r.stderr);
    assert.match(w[0], new RegExp(`^alloctrace: ALLOCTRACE_SIGNAL=${signal} is ignored: ${signal} ends the process`));
  });
}

for (const [value, message] of [
  ['SIGUSR1', /ALLOCTRACE_SIGNAL=SIGUSR1 is ignored: SIGUSR1 starts Node\.js's inspector/],
  ['SIGCHLD', /ALLOCTRACE_SIGNAL=SIGCHLD is ignored: SIGCHLD tells of child processes/],
  ['SIGNOPE', /ALLOCTRACE_SIGNAL=SIGNOPE is ignored: not a signal alloctrace listens to/],
]) {
  test(`ALLOCTRACE_SIGNAL=${value}: one warning, and tracing goes on`, () => {
    const dir = tempDir();
    const file = path.join(dir, 't.atrace');
    const r = runTraced('plain-app.js', { env: { ALLOCTRACE_FILE: file, ALLOCTRACE_SIGNAL: value } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /app done 100000/);
    const w = warnings(r.stderr);
    assert.equal(w.length, 1, r.stderr);
    assert.match(w[0], message);
    const info = infoJson(file);
    assert.equal(info.trailer, true, 'the trace is whole');
    assert.deepEqual(info.markers.map((m) => m.name), ['start', 'exit']);
  });
}

for (const signal of ['SIGWINCH', 'SIGURG']) {
  test(`ALLOCTRACE_SIGNAL=${signal} writes a marker, silently`, { timeout: 60000 }, async () => {
    const dir = tempDir();
    const file = path.join(dir, 't.atrace');
    const { child, ready, exited } = startWaiting({ ALLOCTRACE_FILE: file, ALLOCTRACE_SIGNAL: signal.slice(3).toLowerCase() }, [signal]);
    await ready;
    child.kill(signal);
    const r = await exited;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(fs.existsSync(file));
    assert.deepEqual(infoJson(file).markers.map((m) => m.name), ['start', `${signal}-1`, 'exit']);
  });
}
