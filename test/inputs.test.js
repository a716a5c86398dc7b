'use strict';
// Inputs of report and info: any readable stream (FIFO, process substitution,
// standard input as `-`) reads like the file; a directory, a missing or
// unreadable file, or a file without one decodable record is one line, exit 2.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { CLI, makeSitesTrace, tempDir, cli } = require('./helpers');
const { StreamBuilder } = require('./fixtures/synth');

const dir = tempDir();
const native = makeSitesTrace(dir);
const REPORT = ['--json', '--group-by', 'traceback', '--top', '1000'];

/** The JSON of `cmd` on `file`, without the name of the input. */
function json(cmd, file, args = [], options = {}) {
  const r = cli([cmd, file, '--json', ...args], options);
  assert.equal(r.status, 0, `${cmd} ${file}: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  delete out.file;
  return out;
}

/** Feeds `source` into a new FIFO from another process (the reader may open it first or second). */
function fifoOf(source) {
  const fifo = path.join(tempDir(), 'trace.fifo');
  const mk = spawnSync('mkfifo', [fifo]);
  assert.equal(mk.status, 0, String(mk.stderr));
  const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', source, fifo], { stdio: 'ignore' });
  const written = new Promise((resolve) => writer.on('exit', resolve));
  return { fifo, written };
}

/** One line on stderr, `alloctrace: ...`, nothing on stdout, exit 2. */
function assertBadInput(r, pattern) {
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

/** info's figures without the input's name (which `parts` repeats). */
function figures(info) {
  return { ...info, file: undefined, parts: info.parts.map((p) => p.bytes) };
}

test('a FIFO reads like the file it carries (report and info)', { timeout: 60000 }, async () => {
  const expected = json('report', native.file, REPORT);
  const a = fifoOf(native.file);
  assert.deepEqual(json('report', a.fifo, REPORT), expected);
  assert.equal(await a.written, 0);
  const b = fifoOf(native.file);
  const info = json('info', b.fifo);
  assert.equal(await b.written, 0);
  assert.deepEqual(figures(info), figures(json('info', native.file)), 'every figure, the byte count too');
});

test('standard input as `-`: piped, or redirected from a file', () => {
  const expected = json('report', native.file, REPORT);
  assert.deepEqual(json('report', '-', REPORT, { input: fs.readFileSync(native.file) }), expected);
  const fd = fs.openSync(native.file, 'r');
  try {
    const r = spawnSync(process.execPath, [CLI, 'info', '-', '--json'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.equal(info.file, 'stdin');
    assert.equal(info.bytes, fs.statSync(native.file).size);
    assert.equal(info.trailer, true);
  } finally {
    fs.closeSync(fd);
  }
  assertBadInput(cli(['info', '-'], { input: '' }), /^alloctrace: stdin: not an alloctrace trace \(empty file\)$/);
});

test('process substitution: report <(cat FILE)', () => {
  const r = spawnSync('bash', ['-c', 'exec "$1" "$2" report <(cat "$3") "${@:4}"', 'bash', process.execPath, CLI, native.file, ...REPORT],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.match(out.file, /^\/dev\/fd\/\d+$/);
  delete out.file;
  assert.deepEqual(out, json('report', native.file, REPORT));
});

test('a stream of many reads and records bigger than the read chunk', () => {
  const b = new StreamBuilder();
  b.header({});
  const stack = b.stack([{ fn: 'f', file: '/app/a.js', line: 1, column: 1 }]);
  const big = [];
  for (let i = 1; i <= 1_200_000; i++) big.push({ id: i, stack, size: 100 + (i % 50) });
  b.batch(1e6, big); // ~5 MB, more than one 4 MiB chunk
  let id = big.length;
  for (let k = 0; k < 500; k++) b.batch(2e6 + k, [{ id: ++id, stack, size: 64 }], [k + 1]);
  const file = path.join(dir, 'big.atrace');
  b.write(file);
  const fromPipe = json('info', '-', [], { input: fs.readFileSync(file) });
  assert.deepEqual(figures(fromPipe), figures(json('info', file)));
  assert.equal(fromPipe.allocs, 1_200_500);
  assert.equal(fromPipe.frees, 500);
});

test('a directory, a missing file, an unreadable file: one line, exit 2', () => {
  for (const cmd of ['report', 'info']) {
    assertBadInput(cli([cmd, dir]), new RegExp(`^alloctrace: cannot read ${dir}: it is a directory, not a trace file$`));
    const missing = path.join(dir, 'missing.atrace');
    assertBadInput(cli([cmd, missing]), new RegExp(`^alloctrace: cannot read ${missing}: no such file \\(ENOENT\\)$`));
  }
  // Unreadable: root reads everything, so the CLI runs as nobody then.
  const open = tempDir();
  fs.chmodSync(open, 0o755);
  const locked = path.join(open, 'locked.atrace');
  fs.copyFileSync(native.file, locked);
  fs.chmodSync(locked, 0o000);
  const as = process.getuid() === 0 ? { uid: 65534, gid: 65534 } : {};
  for (const cmd of ['report', 'info']) {
    assertBadInput(cli([cmd, locked], as), new RegExp(`^alloctrace: cannot read ${locked}: permission denied \\(EACCES\\)$`));
  }
});

test('a file without one decodable record exits 2, whatever follows the signature', () => {
  const whole = fs.readFileSync(native.file);
  const signature = whole.subarray(0, 8);
  const cases = {
    'signature only': signature,
    'cut inside the first record': whole.subarray(0, 12),
    'garbage after the signature': Buffer.concat([signature, Buffer.from('\x05\xff\xff\xff\xff\xff plain text', 'latin1')]),
    'zero-length record': Buffer.concat([signature, Buffer.alloc(64)]),
  };
  for (const [what, bytes] of Object.entries(cases)) {
    const file = path.join(dir, `${what.replace(/ /g, '-')}.atrace`);
    fs.writeFileSync(file, bytes);
    for (const args of [['report', file], ['report', file, '--json'], ['info', file], ['report', '-']]) {
      const r = cli(args, args.includes('-') ? { input: bytes } : {});
      assertBadInput(r, /^alloctrace: .*: not an alloctrace trace \(no decodable record after the signature(: at byte 8, .*)?\)$/);
    }
  }
});
