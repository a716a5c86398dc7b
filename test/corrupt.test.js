'use strict';
// Damaged traces (bytes overwritten, cut anywhere): the reader recovers what
// it can or says the file is not a trace; it never throws anything else, and
// the CLI never prints a stack trace.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { runTraced, tempDir, cli } = require('./helpers');
const { loadTrace } = require('../dist/replay/load');
const { Replay } = require('../dist/replay/replay');
const { NotATraceError } = require('../dist/format/reader');

function makeTrace(dir) {
  const file = path.join(dir, 'whole.atrace');
  const r = runTraced('request-leak.js', { args: ['400'], env: { ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '8k' } });
  assert.strictEqual(r.status, 0, r.stderr);
  return fs.readFileSync(file);
}

function mutate(whole, rnd) {
  const buf = Buffer.from(whole);
  const flips = 1 + Math.floor(rnd() * 4);
  for (let f = 0; f < flips; f++) buf[8 + Math.floor(rnd() * (buf.length - 8))] = Math.floor(rnd() * 256);
  return rnd() < 0.3 ? buf.subarray(0, Math.floor(rnd() * buf.length)) : buf;
}

test('1000 damaged copies of a real trace: recovered or "not a trace", nothing else', () => {
  const whole = makeTrace(tempDir());
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const outcomes = { recovered: 0, notATrace: 0 };
  for (let i = 0; i < 1000; i++) {
    const bytes = mutate(whole, rnd);
    try {
      const trace = loadTrace(bytes);
      const snap = Replay.of(trace).liveAt('end');
      snap.statistics('traceback');
      snap.statistics('lineno', { cumulative: true });
      outcomes.recovered++;
    } catch (err) {
      if (!(err instanceof NotATraceError)) assert.fail(`copy ${i}: ${err.stack}`);
      outcomes.notATrace++;
    }
  }
  assert.ok(outcomes.recovered > 900, JSON.stringify(outcomes));
});

test('the CLI on damaged copies: exit 0 or 2, one-line messages, no stack trace', () => {
  const dir = tempDir();
  const whole = makeTrace(dir);
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 12; i++) {
    const file = path.join(dir, `damaged-${i}.atrace`);
    fs.writeFileSync(file, mutate(whole, rnd));
    for (const args of [['report', file, '--group-by', 'traceback'], ['info', file, '--json']]) {
      const r = cli(args);
      assert.ok(r.status === 0 || r.status === 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      for (const line of r.stderr.split('\n').filter(Boolean)) assert.match(line, /^alloctrace: /);
    }
  }
});

// Format 2: every record carries a CRC32C, so damage is found, reported with
// its byte offset and skipped, and reading goes on after it.
const { buildReport, DEFAULT_REPORT_OPTIONS } = require('../dist/analysis/report');
const { toJsonReport } = require('../dist/views/json');
const { TraceReader } = require('../dist/format/reader');
const { StreamBuilder } = require('./fixtures/synth');

const FLIP_OPTIONS = { ...DEFAULT_REPORT_OPTIONS, groupBy: 'traceback', top: 1e9 };
/** What a report says, warnings apart (the inlining note is always there). */
function reportOf(file) {
  const r = toJsonReport(buildReport([file], FLIP_OPTIONS));
  return { body: JSON.stringify({ at: r.at, total: r.total, stats: r.stats, other: r.other }), warnings: r.warnings.filter((w) => !/inlined/.test(w)) };
}

test('200 random single-bit flips in a real trace: none changes the report silently', (t) => {
  const dir = tempDir();
  const whole = makeTrace(dir);
  const original = path.join(dir, 'whole.atrace');
  const base = reportOf(original);
  assert.deepEqual(base.warnings, []);
  let seed = 2024;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const outcomes = { identical: 0, warned: 0, notATrace: 0 };
  const file = path.join(dir, 'flipped.atrace');
  for (let i = 0; i < 200; i++) {
    const bytes = Buffer.from(whole);
    const at = Math.floor(rnd() * bytes.length);
    bytes[at] ^= 1 << Math.floor(rnd() * 8);
    fs.writeFileSync(file, bytes);
    let got;
    try {
      got = reportOf(file);
    } catch (err) {
      if (!(err instanceof NotATraceError)) assert.fail(`flip at byte ${at}: ${err.stack}`);
      outcomes.notATrace++;
      continue;
    }
    if (got.warnings.length > 0) {
      // The warning says where: the damaged record's offset, at or before the flipped byte.
      const offsets = got.warnings.flatMap((w) => [...w.matchAll(/at byte (\d+)/g)].map((m) => Number(m[1])));
      assert.ok(offsets.some((o) => o <= at && o >= at - 1e6), `flip at byte ${at}: ${got.warnings.join(' | ')}`);
      outcomes.warned++;
    } else {
      assert.equal(got.body, base.body, `flip at byte ${at} changed the report without a warning`);
      outcomes.identical++;
    }
  }
  t.diagnostic(`bit flips in a ${whole.length}-byte trace: ${JSON.stringify(outcomes)}`);
  assert.equal(outcomes.identical + outcomes.warned + outcomes.notATrace, 200);
  // The CLI on a few of them: exit 0 with an `alloctrace:` warning naming the byte, or 2.
  for (const at of [8, Math.floor(whole.length / 3), whole.length - 3]) {
    const bytes = Buffer.from(whole);
    bytes[at] ^= 0x10;
    fs.writeFileSync(file, bytes);
    const r = cli(['report', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^alloctrace: .*(damaged record|truncated) at byte \d+/m);
  }
});

/** A synthetic trace: 3 polls; the 2nd allocates on a stack defined just before it; the 3rd frees some of it. */
function threePolls() {
  const b = new StreamBuilder();
  b.header({ sampleInterval: 1024 });
  const a = b.stack([{ fn: 'first', file: '/app/a.js', line: 1, column: 1 }]);
  b.batch(1e9, [{ id: 1, stack: a, size: 100 }, { id: 2, stack: a, size: 100 }]);
  const offsets = {};
  const mark = (name) => { offsets[name] = b.bytes().length; };
  mark('stack2');
  const s2 = b.stack([{ fn: 'second', file: '/app/b.js', line: 2, column: 1 }]);
  mark('batch2');
  b.batch(2e9, [{ id: 3, stack: s2, size: 200 }, { id: 4, stack: s2, size: 200 }]);
  mark('batch3');
  b.batch(3e9, [{ id: 5, stack: s2, size: 300 }, { id: 6, stack: a, size: 300 }], [1, 3]);
  mark('trailer');
  b.trailer(3e9, 6, 2, 3);
  return { bytes: b.bytes(), offsets };
}

/** [function, samples] live at the end, by function name. */
function samples(trace) {
  const snap = Replay.of(trace).liveAt('end');
  return snap.statistics('function').map((s) => [s.traceback.frames[0].function, s.samples]).sort();
}

test('a damaged batch is skipped with its offset; its allocs and frees are not guessed; reading goes on', () => {
  const { bytes, offsets } = threePolls();
  const whole = loadTrace(bytes);
  assert.deepEqual(samples(whole), [['first', 2], ['second', 2]]);
  assert.deepEqual(whole.warnings, []);
  const damaged = Buffer.from(bytes);
  damaged[offsets.batch2 + 5] ^= 0x04; // inside batch 2's body
  const trace = loadTrace(damaged);
  // Batch 2 is gone whole: ids 3 and 4 never appeared, so freeing 3 is an unknown free; batch 3 is read.
  assert.deepEqual(samples(trace), [['first', 2], ['second', 1]]);
  const expected = offsets.batch3 - offsets.batch2;
  assert.deepEqual(trace.parts[0].damaged, [{ offset: offsets.batch2, bytes: expected, why: 'checksum mismatch' }]);
  assert.ok(trace.warnings.includes(`buffer: damaged record at byte ${offsets.batch2} (checksum mismatch): skipped ${expected} bytes`), trace.warnings.join('\n'));
  assert.ok(trace.warnings.some((w) => /1 damaged record skipped, \d+ bytes lost/.test(w)));
  assert.ok(trace.warnings.some((w) => /1 freed sample ids were never allocated/.test(w)));
  assert.ok(trace.warnings.some((w) => /trailer counts/.test(w)), 'the trailer disagrees with what was read');
  assert.notEqual(trace.trailer, null, 'the trailer after the damage is read');
});

test('a damaged definition: samples on it are dropped and counted, nothing is shown under a made-up frame', () => {
  const { bytes, offsets } = threePolls();
  const damaged = Buffer.from(bytes);
  damaged[offsets.stack2 + 3] ^= 0x01; // the first record of stack 2's definitions (its function name)
  const trace = loadTrace(damaged);
  assert.deepEqual(samples(trace), [['first', 2]]);
  assert.ok(trace.warnings.some((w) => /3 samples dropped: their stack, frames or names were never defined/.test(w)), trace.warnings.join('\n'));
  assert.equal(trace.parts[0].damaged.length, 1);
  assert.equal(trace.parts[0].damaged[0].offset, offsets.stack2);
});

test('a damaged record length: the reader finds the next record by its checksum', () => {
  const { bytes, offsets } = threePolls();
  const damaged = Buffer.from(bytes);
  damaged[offsets.batch2] ^= 0x40; // the length prefix of batch 2
  const reader = new TraceReader(damaged);
  const kinds = [...reader.records()].map((r) => [r.record.kind, r.offset]);
  assert.deepEqual(kinds.slice(-2), [['batch', offsets.batch3], ['trailer', offsets.trailer]]);
  assert.deepEqual(reader.damaged.map((d) => [d.offset, d.bytes]), [[offsets.batch2, offsets.batch3 - offsets.batch2]]);
  assert.equal(reader.truncatedAt, null);
  // info says so too.
  const file = path.join(tempDir(), 'damaged.atrace');
  fs.writeFileSync(file, damaged);
  const info = JSON.parse(cli(['info', file, '--json']).stdout);
  assert.deepEqual(info.damaged, [{ file, offset: offsets.batch2, bytes: offsets.batch3 - offsets.batch2 }]);
  assert.match(cli(['info', file]).stdout, new RegExp(`^Damaged: +1 records skipped, ${offsets.batch3 - offsets.batch2} bytes: byte ${offsets.batch2}$`, 'm'));
});
