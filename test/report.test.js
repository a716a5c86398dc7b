'use strict';
// `alloctrace report` / `info`: JSON contracts, text layout, exit codes.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { makeSitesTrace, cli, tempDir: tmpDir } = require('./helpers');
const { StreamBuilder } = require('./fixtures/synth');

const dir = tmpDir();
const native = makeSitesTrace(dir);
const FIXTURE = native.truth.file;

function json(args) {
  const r = cli(args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('report --json has the documented shape', () => {
  const r = json(['report', native.file, '--json', '--top', '2']);
  assert.deepEqual(Object.keys(r).sort(), ['at', 'compareTo', 'file', 'groupBy', 'other', 'precise', 'schema', 'stats', 'total', 'warnings']);
  assert.equal(r.schema, 1);
  assert.deepEqual(Object.keys(r.precise).sort(), ['exact', 'inlinedSize', 'windowSize']);
  assert.equal(r.file, native.file);
  assert.equal(r.at.when, 'end');
  assert.equal(typeof r.at.timeNs, 'number');
  assert.equal(r.compareTo, null);
  assert.equal(r.groupBy, 'lineno');
  assert.deepEqual(Object.keys(r.total).sort(), ['count', 'samples', 'size']);
  assert.equal(r.stats.length, 2);
  for (const s of r.stats) {
    assert.deepEqual(Object.keys(s).sort(), ['count', 'frames', 'samples', 'size']);
    assert.equal(s.frames.length, 1);
    assert.deepEqual(Object.keys(s.frames[0]).sort(), ['column', 'file', 'function', 'line']);
  }
  assert.equal(r.stats[0].frames[0].function, 'siteA');
  assert.equal(r.stats[0].frames[0].file, FIXTURE, 'absolute file in JSON');
  assert.deepEqual(Object.keys(r.other).sort(), ['entries', 'size']);
  // top + other = everything.
  const all = json(['report', native.file, '--json', '--top', '1000']);
  assert.equal(r.other.entries, all.stats.length - 2);
  assert.equal(r.stats[0].size + r.stats[1].size + r.other.size, all.total.size);
  assert.equal(all.stats.reduce((a, s) => a + s.size, 0), all.total.size);
  assert.ok(r.warnings.some((w) => /inlined/.test(w)), 'not precise: the inlining note is a warning');
});

test('report --json per group-by: filename has function null, traceback the whole stack', () => {
  const byFile = json(['report', native.file, '--json', '--group-by', 'filename']);
  assert.equal(byFile.groupBy, 'filename');
  assert.equal(byFile.stats[0].frames[0].function, null);
  assert.equal(byFile.stats[0].frames[0].file, FIXTURE);
  const byTb = json(['report', native.file, '--json', '--group-by', 'traceback']);
  const top = byTb.stats[0].frames;
  assert.ok(top.length > 2);
  const leafScript = top.find((f) => !f.builtin);
  assert.equal(leafScript.function, 'siteA');
  assert.ok(top.some((f) => f.function === '' && f.file === FIXTURE && f.line === 1), 'module top level is on the stack');
  const byFn = json(['report', native.file, '--json', '--group-by', 'function', '--top', '3']);
  assert.deepEqual(byFn.stats.map((s) => s.frames[0].function), ['siteA', 'siteB', 'recurse']);
});

test('report --compare-to: sizeDiff and countDiff, compareTo moment', () => {
  const r = json(['report', native.file, '--json', '--at', 'middle', '--compare-to', 'before', '--group-by', 'function']);
  assert.equal(r.at.when, 'middle');
  assert.equal(r.compareTo.when, 'before');
  assert.ok(r.compareTo.timeNs < r.at.timeNs);
  for (const s of r.stats) {
    assert.equal(typeof s.sizeDiff, 'number');
    assert.equal(typeof s.countDiff, 'number');
  }
  assert.equal(r.stats[0].frames[0].function, 'siteA');
  assert.ok(r.stats[0].sizeDiff > 0.9 * r.stats[0].size);
  // Marker times: `after` adds recurse, so compared to `middle` it is the biggest change.
  const later = json(['report', native.file, '--json', '--at', 'after', '--compare-to', 'middle', '--group-by', 'function']);
  assert.equal(later.stats[0].frames[0].function, 'recurse');
});

test('report --at: start is empty, peak is at least end, times and unknown markers', () => {
  assert.equal(json(['report', native.file, '--json', '--at', 'start']).total.samples, 0);
  const end = json(['report', native.file, '--json']);
  const peak = json(['report', native.file, '--json', '--at', 'peak']);
  assert.ok(peak.total.size >= end.total.size);
  const early = json(['report', native.file, '--json', '--at', '1ms']);
  assert.ok(early.total.size < end.total.size);
  const r = cli(['report', native.file, '--at', 'nope']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^alloctrace: .*no marker named "nope".*before, middle, after/);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
});

test('report --include/--exclude and --cumulative on the CLI', () => {
  const inc = json(['report', native.file, '--json', '--include', '*/fixtures/sites.js']);
  const exc = json(['report', native.file, '--json', '--exclude', '*/fixtures/sites.js']);
  const all = json(['report', native.file, '--json']);
  assert.equal(inc.total.samples + exc.total.samples, all.total.samples);
  assert.ok(inc.stats.every((s) => s.frames[0].file === FIXTURE));
  const allFrames = json(['report', native.file, '--json', '--include', 'node:internal/*', '--all-frames']);
  assert.ok(allFrames.total.samples > 0);
  const cum = json(['report', native.file, '--json', '--group-by', 'function', '--cumulative', '--top', '100']);
  for (const s of cum.stats) assert.ok(s.size <= cum.total.size);
  assert.equal(cli(['report', native.file, '--cumulative', '--group-by', 'traceback']).status, 2);
});

test('text report: heading, numbered entries, other and total lines', () => {
  const r = cli(['report', native.file, '--top', '2']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  // The fixture's run time depends on the machine: the unit is pinned below on a trace with known times.
  assert.match(lines[0], /^Top 2 lines, live at end \((\d+ ms|[\d.]+ s)\) — "line" is the function's definition line$/);
  assert.match(lines[1], /^#1: .*fixtures\/sites\.js:\d+ \(siteA\): [\d.]+ (KiB|MiB), count=\d+, samples=\d+$/);
  assert.match(lines[2], /^#2: .*\(siteB\): /);
  assert.match(lines[3], /^\d+ other: /);
  assert.match(lines[4], /^Total: [\d.]+ MiB, count=\d+, samples=\d+$/);
  assert.match(lines[5], /^Note: allocations in functions that V8 inlined are charged to their callers, and all of the [\d.]+ MiB live at end was allocated with inlining on; .*precise mode/);
  const cmp = cli(['report', native.file, '--group-by', 'traceback', '--top', '1', '--compare-to', 'start']);
  const c = cmp.stdout.split('\n');
  assert.match(c[0], /compared to start/);
  assert.match(c[1], /^#1: .*\(siteA\): .* \(\+[\d.]+ (KiB|MiB)\), count=\d+ \(\+\d+\), samples=\d+$/);
  assert.match(c[2], /^ {4}\S.* \(builtin\)$|^ {4}.*siteA$/);
  assert.ok(c.some((l) => /^ {4}.*sites\.js:\d+:\d+ siteA$/.test(l)));
});

test('the heading gives the moment in ms below a second and in s above', () => {
  const d = tmpDir();
  for (const [endNs, shown] of [[250e6, '250 ms'], [1.5e9, '1.5 s'], [123e9, '123 s']]) {
    const b = new StreamBuilder();
    b.header({ precise: true });
    const s = b.stack([{ fn: 'keep', file: '/app/k.js', line: 3, column: 1 }]);
    b.batch(100e6, [{ id: 1, stack: s, size: 4096 }]);
    b.batch(endNs, []);
    b.trailer(endNs, 1, 0, 2);
    const file = path.join(d, `t${endNs}.atrace`);
    b.write(file);
    const r = cli(['report', file, '--top', '1']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], `Top 1 lines, live at end (${shown}) — "line" is the function's definition line`);
  }
});

test('file names are shown relative to the traced cwd; JSON keeps them absolute', () => {
  const b = new StreamBuilder();
  b.header({ cwd: '/srv/app', precise: true });
  const s = b.stack([{ fn: 'handle', file: '/srv/app/lib/h.js', line: 4, column: 2 }]);
  const u = b.stack([{ fn: 'esm', file: 'file:///srv/app/m.mjs', line: 1, column: 1 }]);
  b.batch(1e6, [{ id: 1, stack: s, size: 1000 }, { id: 2, stack: u, size: 10 }]);
  const file = path.join(dir, 'rel.atrace');
  b.write(file);
  const text = cli(['report', file]).stdout;
  assert.match(text, /^#1: lib\/h\.js:4 \(handle\): /m);
  assert.match(text, /^#2: m\.mjs:1 \(esm\): /m);
  assert.doesNotMatch(text, /Note:/, 'precise trace: no inlining note');
  const j = json(['report', file, '--json']);
  assert.equal(j.stats[0].frames[0].file, '/srv/app/lib/h.js');
  assert.deepEqual(j.warnings, []);
  assert.equal(json(['report', file, '--json', '--include', 'lib/*']).total.samples, 1);
});

test('several files are merged into one report', () => {
  const r = json(['report', native.file, native.file, '--json']);
  const one = json(['report', native.file, '--json']);
  assert.deepEqual(r.file, [native.file, native.file]);
  assert.equal(r.total.samples, 2 * one.total.samples);
  assert.equal(r.stats[0].size, 2 * one.stats[0].size);
});

test('info --json has the documented shape', () => {
  const i = json(['info', native.file, '--json']);
  assert.deepEqual(Object.keys(i).sort(),
    ['allocs', 'bytes', 'damaged', 'durationNs', 'file', 'frees', 'header', 'markers', 'parts', 'schema', 'trailer', 'truncatedAt']);
  assert.equal(i.schema, 1);
  assert.deepEqual(i.damaged, []);
  assert.deepEqual(i.parts, [{ file: native.file, bytes: fs.statSync(native.file).size }]);
  assert.equal(i.trailer, true);
  assert.equal(i.truncatedAt, null);
  assert.equal(i.header.sampleInterval, 32768);
  assert.equal(i.header.cwd, dir);
  assert.ok(i.allocs >= i.frees);
  assert.deepEqual(i.markers.map((m) => m.name), ['start', 'before', 'middle', 'after', 'exit']);
  assert.ok(i.durationNs >= i.markers[4].timeNs);
  const text = cli(['info', native.file]).stdout;
  assert.match(text, /^Trailer: +present/m);
  assert.match(text, /^Markers: +start .*before.*exit/m);
});

test('help and usage errors', () => {
  for (const args of [['--help'], ['report', '--help'], ['info', '--help'], ['help', 'report']]) {
    const r = cli(args);
    assert.equal(r.status, 0, args.join(' '));
    assert.match(r.stdout, /Usage: alloctrace/);
    assert.match(r.stdout, /Exit codes/);
  }
  for (const args of [['frobnicate'], ['report', native.file, '--bogus'], ['report', native.file, '--top', 'x'],
    ['report', native.file, '--group-by', 'nope'], ['report'], ['info'], ['--bogus']]) {
    const r = cli(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^alloctrace: /);
  }
  const missing = cli(['report', path.join(dir, 'missing.atrace')]);
  assert.equal(missing.status, 2, 'a missing input is bad input');
  assert.match(missing.stderr, /^alloctrace: cannot read .*missing\.atrace: no such file \(ENOENT\)\n$/);
});

test('printReport() prints the top of a report for run', () => {
  const { printReport } = require('../dist/cli/report');
  const chunks = [];
  const write = process.stdout.write;
  process.stdout.write = (s) => { chunks.push(String(s)); return true; };
  let code;
  try {
    code = printReport([native.file], { top: 1, groupBy: 'function' });
  } finally {
    process.stdout.write = write;
  }
  assert.equal(code, 0);
  assert.match(chunks.join(''), /^Top 1 functions/);
  assert.match(chunks.join(''), /\(siteA\)/);
});
