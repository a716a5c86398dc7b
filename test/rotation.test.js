'use strict';
// Bounded disk: ALLOCTRACE_MAX_BYTES rotates the trace into FILE.1.atrace,
// FILE.2.atrace, ...; each file begins self-contained, so every file alone,
// any run of them and all of them as one timeline report exactly the live set
// the tracer itself held (in-process snapshots taken in the same run);
// ALLOCTRACE_KEEP deletes only the oldest files this process wrote.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { runTraced, tempDir, cli, infoJson, warnings } = require('./helpers');
const { buildReport, reportFromSnapshots, DEFAULT_REPORT_OPTIONS } = require('../dist/analysis/report');
const { loadTrace } = require('../dist/replay/load');
const { Replay } = require('../dist/replay/replay');
const { toJsonReport } = require('../dist/views/json');

const CAP = 64 * 1024;

/** Runs the churn fixture with a 64 KiB cap; returns its snapshots and files in rotation order. */
function rotatingRun(dir, env = {}) {
  const file = path.join(dir, 't.atrace');
  const out = path.join(dir, 'snapshots.json');
  const r = runTraced('rotating-churn.js', {
    nodeArgs: ['--expose-gc'],
    args: ['200', out],
    env: { ALLOCTRACE_FILE: file, ALLOCTRACE_MAX_BYTES: '64k', ALLOCTRACE_INTERVAL: '256', ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return { file, snapshots: JSON.parse(fs.readFileSync(out, 'utf8')), stderr: r.stderr };
}

const partOf = (name) => (name === 't.atrace' ? 0 : Number(/^t\.(\d+)\.atrace$/.exec(name)[1]));
const traces = (dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.atrace')).sort((a, b) => partOf(a) - partOf(b));

const OPTIONS = { ...DEFAULT_REPORT_OPTIONS, groupBy: 'traceback', top: 1e9 };
const summary = (report) => ({ at: report.at, ...normalized(report), warnings: report.warnings.filter((w) => !/inlined/.test(w)) });

/** The report --json of `files` at `at` (in this process: the same code as the CLI), keyed by traceback. */
function live(files, at) {
  return summary(toJsonReport(buildReport(files, { ...OPTIONS, at })));
}

/** The same for a trace loaded once (many moments of one timeline). */
function liveOf(trace, at) {
  return summary(toJsonReport(reportFromSnapshots([trace.name], [{ now: Replay.of(trace).liveAt(at), before: null }], OPTIONS)));
}

/** total and {traceback: [size, count, samples]}, independent of the order of equal entries. */
function normalized(report) {
  const stats = {};
  for (const s of report.stats) stats[JSON.stringify(s.frames)] = [s.size, s.count, s.samples];
  return { total: report.total, stats };
}

test('a capped run over many rotations: all files, each file alone and any run of them report the live set exactly', (t) => {
  const dir = tempDir();
  const { snapshots, stderr } = rotatingRun(dir, { ALLOCTRACE_KEEP: '0' });
  assert.equal(stderr, '', 'rotation is silent');
  const names = traces(dir);
  const files = names.map((f) => path.join(dir, f));
  assert.ok(names.length >= 8, `many rotations: ${names.join(' ')}`);
  assert.deepEqual(names.map(partOf), names.map((_, i) => i), 'numbered from 1 without gaps');
  const sizes = files.map((f) => fs.statSync(f).size);
  t.diagnostic(`rotation: ${names.length} files of ${sizes.join(', ')} bytes (cap ${CAP})`);
  for (const f of files) assert.equal(fs.statSync(f).mode & 0o777, 0o600);
  // One session: the same start and pid, parts 0..N.
  const headers = files.map((f) => infoJson(f).header);
  assert.ok(headers.every((h) => h.startTimeUnixNs === headers[0].startTimeUnixNs && h.pid === headers[0].pid));
  assert.deepEqual(headers.map((h) => h.part), names.map(partOf));

  // All files as one timeline = what the tracer held, in the middle and at the end.
  for (const moment of ['middle', 'end']) {
    const expected = snapshots[moment];
    const got = live(files, `${expected.timeNs}ns`);
    assert.deepEqual(got.warnings, []);
    assert.deepEqual(got.total, expected.total, `${moment}: totals`);
    assert.deepEqual(got.stats, normalized(expected).stats, `${moment}: every traceback`);
    assert.ok(expected.total.samples > 100, `${moment}: a live set worth comparing (${expected.total.samples} samples)`);
  }
  // Each file alone = the timeline at that file's last poll (nothing of the
  // file's start is counted twice, nothing before it is missing).
  const all = loadTrace(files);
  for (const f of files) {
    const alone = liveOf(loadTrace(f), 'end');
    const timeline = liveOf(all, `${alone.at.timeNs}ns`);
    assert.deepEqual(alone.warnings, [], f);
    assert.deepEqual({ total: alone.total, stats: alone.stats }, { total: timeline.total, stats: timeline.stats }, path.basename(f));
  }
  // A run of files from the middle on, and all of them concatenated with cat, read the same.
  const tail = files.slice(Math.floor(files.length / 2));
  const atEnd = `${snapshots.end.timeNs}ns`;
  assert.deepEqual(live(tail, atEnd).stats, normalized(snapshots.end).stats);
  const cat = path.join(dir, 'all.cat');
  fs.writeFileSync(cat, Buffer.concat(files.map((f) => fs.readFileSync(f))));
  assert.deepEqual(live([cat], atEnd).stats, normalized(snapshots.end).stats);

  // The CLI, files given in any order (a shell glob sorts t.10 before t.2): one timeline.
  const shuffled = [...files].reverse();
  const viaCli = cli(['report', ...shuffled, '--json', '--group-by', 'traceback', '--top', '1000000', '--at', atEnd], { maxBuffer: 256 << 20 });
  assert.equal(viaCli.status, 0, viaCli.stderr);
  assert.deepEqual(normalized(JSON.parse(viaCli.stdout)), normalized(snapshots.end));
  const info = JSON.parse(cli(['info', ...shuffled, '--json']).stdout);
  assert.equal(info.trailer, true);
  assert.deepEqual(info.parts.map((p) => p.file), files);
  assert.deepEqual(info.markers.map((m) => m.name), ['start', 'exit']);
  const text = cli(['info', files[files.length - 1]]).stdout;
  assert.match(text, new RegExp(`^Rotated: +file ${names.length - 1} of a session that rotated`, 'm'));
  // Files of other sessions cannot be one timeline for info.
  const other = path.join(tempDir(), 'other.atrace');
  assert.equal(runTraced('plain-app.js', { env: { ALLOCTRACE_FILE: other } }).status, 0);
  const mixed = cli(['info', files[0], other]);
  assert.equal(mixed.status, 2);
  assert.match(mixed.stderr, /^alloctrace: info: these 2 files are not the rotated files of one session/);
});

test('ALLOCTRACE_KEEP keeps the newest files this process wrote and never deletes another file', () => {
  const dir = tempDir();
  // Someone else's file in the middle of the numbering.
  const foreign = path.join(dir, 't.3.atrace');
  fs.writeFileSync(foreign, 'not ours\n');
  const { snapshots, stderr } = rotatingRun(dir, { ALLOCTRACE_KEEP: '3' });
  assert.equal(stderr, '');
  assert.equal(fs.readFileSync(foreign, 'utf8'), 'not ours\n');
  const ours = traces(dir).filter((f) => f !== 't.3.atrace');
  assert.equal(ours.length, 3, ours.join(' '));
  const files = ours.map((f) => path.join(dir, f));
  const parts = files.map((f) => infoJson(f).header.part);
  assert.ok(parts[0] >= 5, `the oldest went: parts ${parts}`);
  assert.deepEqual(parts, [parts[0], parts[0] + 1, parts[0] + 2]);
  assert.ok(!ours.includes('t.3.atrace') && ours.every((f) => partOf(f) !== 3), 'the numbering skipped the foreign file');
  // What is left still reports the end exactly.
  const got = live(files, `${snapshots.end.timeNs}ns`);
  assert.deepEqual(got.warnings, []);
  assert.deepEqual(got.stats, normalized(snapshots.end).stats);
});

test('run with a cap: its summary reads the rotated files as one trace and lists them', () => {
  const dir = tempDir();
  const fixture = path.join(__dirname, 'fixtures', 'rotating-churn.js');
  const r = cli(['run', '--interval', '256', '--group-by', 'function', '-o', 't.atrace', '--', process.execPath, '--expose-gc', fixture, '60'],
    { cwd: dir, env: { ...process.env, ALLOCTRACE_MAX_BYTES: '64k', ALLOCTRACE_KEEP: '0' } });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(warnings(r.stderr), []);
  const names = traces(dir);
  assert.ok(names.length >= 3, names.join(' '));
  const line = r.stdout.split('\n').find((l) => l.startsWith('Trace: '));
  // run's summary line: the file, its size, what it allocated and who wrote it, then the files it rotated into.
  assert.ok(line.startsWith(`Trace: ${path.join(dir, 't.atrace')} (${fs.statSync(path.join(dir, 't.atrace')).size} bytes, `), line);
  assert.ok(line.endsWith(`) + ${names.length - 1} rotated: ${names.slice(1).map((f) => path.join(dir, f)).join(' ')}`), line);
  assert.match(r.stdout, /Top 10 functions, live at end/);
});
