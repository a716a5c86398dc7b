'use strict';
// No file is ever overwritten or truncated: trace files are created
// exclusively (mode 0600, never through a symlink), a taken name gets the next
// free number with one notice, and `run -o` refuses to write over anything
// that is not a trace (and over a trace without --force). Real processes.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { FIXTURES, REGISTER, runTraced, tempDir, cli, infoJson, warnings } = require('./helpers');

const APP = path.join(FIXTURES, 'plain-app.js');
const mode = (file) => fs.statSync(file).mode & 0o777;

function traced(dir, file, env = {}) {
  const r = runTraced('plain-app.js', { env: { ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '16k', ...env }, cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /app done/);
  return r;
}

test('a taken name is left as it is: the trace takes the next free number, and one notice says so', () => {
  const dir = tempDir();
  const file = path.join(dir, 'app.atrace');
  fs.writeFileSync(file, 'precious, not a trace\n');
  fs.writeFileSync(path.join(dir, 'app.1.atrace'), 'also taken\n');
  const r = traced(dir, file);
  assert.deepEqual(warnings(r.stderr), [`alloctrace: ${file} already exists; tracing to ${path.join(dir, 'app.2.atrace')}`]);
  assert.equal(fs.readFileSync(file, 'utf8'), 'precious, not a trace\n');
  assert.equal(fs.readFileSync(path.join(dir, 'app.1.atrace'), 'utf8'), 'also taken\n');
  const info = infoJson(path.join(dir, 'app.2.atrace'));
  assert.equal(info.trailer, true);
  assert.equal(mode(path.join(dir, 'app.2.atrace')), 0o600);
  // A free name: no notice at all.
  assert.equal(traced(dir, path.join(dir, 'fresh.atrace')).stderr, '');
});

test('two processes given the same name write two whole traces, never over each other', () => {
  const dir = tempDir();
  const file = path.join(dir, 'shared.atrace');
  const r = spawnSync('sh', ['-c', '"$0" --require "$1" "$2" & "$0" --require "$1" "$2" & wait', process.execPath, REGISTER, APP], {
    env: { ...process.env, ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '16k' }, encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['shared.1.atrace', 'shared.atrace']);
  const infos = ['shared.atrace', 'shared.1.atrace'].map((f) => infoJson(path.join(dir, f)));
  assert.ok(infos.every((i) => i.trailer && i.truncatedAt === null && i.damaged.length === 0));
  assert.notEqual(infos[0].header.pid, infos[1].header.pid);
  assert.equal(warnings(r.stderr).length, 1, r.stderr);
});

test('a symlink at the name is never followed, whether its target exists or not', () => {
  const dir = tempDir();
  const victim = path.join(dir, 'victim.txt');
  fs.writeFileSync(victim, 'keep me\n');
  fs.symlinkSync(victim, path.join(dir, 'to-file.atrace'));
  fs.symlinkSync(path.join(dir, 'would-be-created'), path.join(dir, 'dangling.atrace'));
  for (const name of ['to-file', 'dangling']) {
    const r = traced(dir, path.join(dir, `${name}.atrace`));
    assert.deepEqual(warnings(r.stderr), [`alloctrace: ${path.join(dir, `${name}.atrace`)} already exists; tracing to ${path.join(dir, `${name}.1.atrace`)}`]);
    assert.ok(fs.lstatSync(path.join(dir, `${name}.atrace`)).isSymbolicLink(), 'the link is still a link');
    assert.equal(infoJson(path.join(dir, `${name}.1.atrace`)).trailer, true);
  }
  assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me\n');
  assert.equal(fs.existsSync(path.join(dir, 'would-be-created')), false, 'nothing created through the dangling link');
});

test('trace files are created 0600, even with umask 0', () => {
  const dir = tempDir();
  const file = path.join(dir, 'private.atrace');
  const r = spawnSync('sh', ['-c', 'umask 0; exec "$0" --require "$1" "$2"', process.execPath, REGISTER, APP], {
    env: { ...process.env, ALLOCTRACE_FILE: file }, encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(mode(file), 0o600);
});

test('a directory as ALLOCTRACE_FILE gets the default name (alloctrace-<pid>.atrace) in it', () => {
  const dir = tempDir();
  const traces = path.join(dir, 'traces');
  fs.mkdirSync(traces);
  const r = traced(dir, traces);
  assert.equal(r.stderr, '');
  const files = fs.readdirSync(traces);
  assert.equal(files.length, 1);
  assert.match(files[0], /^alloctrace-\d+\.atrace$/);
  assert.equal(infoJson(path.join(traces, files[0])).header.pid, Number(/\d+/.exec(files[0])[0]));
});

test('restarting tracing into the same file in the same process appends a segment (no new file, no notice)', () => {
  const dir = tempDir();
  const file = path.join(dir, 'seg.atrace');
  const r = spawnSync(process.execPath, [path.join(FIXTURES, 'restart-segments.js'), file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(fs.readdirSync(dir), ['seg.atrace']);
  assert.deepEqual(infoJson(file).markers.map((m) => m.name), ['start', 'one', 'stop', 'start', 'two', 'stop']);
});

function run(dir, args) {
  return cli(['run', '--interval', '16k', ...args, '--', process.execPath, APP], { cwd: dir });
}

test('run -o onto a file that is not a trace is refused: exit 2, one line, the file untouched (--force too)', () => {
  const dir = tempDir();
  const target = path.join(dir, 'app.js');
  const source = "console.log('my app')\n";
  fs.writeFileSync(target, source);
  fs.symlinkSync(target, path.join(dir, 'link.atrace'));
  for (const [args, what] of [[['-o', 'app.js'], 'not an alloctrace trace'], [['--force', '-o', 'app.js'], 'not an alloctrace trace'],
    [['--force', '-o', 'link.atrace'], 'a symbolic link']]) {
    const r = run(dir, args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.deepEqual(r.stderr.trimEnd().split('\n'),
      [`alloctrace: run: ${path.join(dir, args[args.length - 1])} exists and is ${what}; refusing to overwrite it (choose another -o)`]);
  }
  assert.equal(fs.readFileSync(target, 'utf8'), source);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['app.js', 'link.atrace']);
});

test('run -o onto an earlier trace: the next free number and a notice; --force replaces the trace', () => {
  const dir = tempDir();
  const first = run(dir, ['-o', 't.atrace']);
  assert.equal(first.status, 0, first.stderr);
  const before = fs.readFileSync(path.join(dir, 't.atrace'));
  const second = run(dir, ['-o', 't.atrace']);
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(warnings(second.stderr), [`alloctrace: ${path.join(dir, 't.atrace')} already exists; tracing to ${path.join(dir, 't.1.atrace')}`]);
  assert.ok(fs.readFileSync(path.join(dir, 't.atrace')).equals(before), 'the earlier trace is untouched');
  // run reports the new trace, which is its command's.
  assert.ok(second.stdout.includes(`Trace: ${path.join(dir, 't.1.atrace')}`), second.stdout);
  assert.equal(infoJson(path.join(dir, 't.1.atrace')).trailer, true);

  const forced = run(dir, ['--force', '-o', 't.atrace']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.deepEqual(warnings(forced.stderr), []);
  assert.ok(!fs.readFileSync(path.join(dir, 't.atrace')).equals(before), 'replaced');
  assert.ok(forced.stdout.includes(`Trace: ${path.join(dir, 't.atrace')}`), forced.stdout);
  assert.equal(infoJson(path.join(dir, 't.atrace')).trailer, true);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['t.1.atrace', 't.atrace']);
});

test('run -o DIR writes alloctrace-<pid>.atrace in DIR', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'out'));
  const r = run(dir, ['-o', 'out']);
  assert.equal(r.status, 0, r.stderr);
  const files = fs.readdirSync(path.join(dir, 'out'));
  assert.equal(files.length, 1);
  assert.match(files[0], /^alloctrace-\d+\.atrace$/);
  assert.ok(r.stdout.includes(`Trace: ${path.join(dir, 'out', files[0])}`), r.stdout);
  assert.equal(mode(path.join(dir, 'out', files[0])), 0o600);
});
