'use strict';
// The fast paths for big traces against the slow ones they replace: Batches
// decoded by hand against protobufjs, `info`'s count-only scan against a full
// replay (whole, rotated and damaged real traces), and `info` on a pipe.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { TraceReader, NotATraceError } = require('../dist/format/reader');
const { Replay } = require('../dist/replay/replay');
const { scanInfo } = require('../dist/replay/scan');
const { makeSitesTrace, runTraced, cli, tempDir } = require('./helpers');

const dir = tempDir();
const sites = makeSitesTrace(dir, { interval: 4096 });

/** Rotated files of a churning process (a 64 KiB cap): every file after the first starts with a liveSet batch. */
function rotatedFiles() {
  const rdir = path.join(dir, 'rotated');
  fs.mkdirSync(rdir, { recursive: true });
  const file = path.join(rdir, 't.atrace');
  const r = runTraced('rotating-churn.js', {
    nodeArgs: ['--expose-gc'], args: ['60', path.join(rdir, 'snapshots.json')],
    env: { ALLOCTRACE_FILE: file, ALLOCTRACE_MAX_BYTES: '64k', ALLOCTRACE_INTERVAL: '256' },
  });
  assert.equal(r.status, 0, r.stderr);
  const part = (f) => (f === 't.atrace' ? 0 : Number(/^t\.(\d+)\.atrace$/.exec(f)[1]));
  return fs.readdirSync(rdir).filter((f) => f.endsWith('.atrace')).sort((a, b) => part(a) - part(b)).map((f) => path.join(rdir, f));
}
const rotated = rotatedFiles();

const slice = (view, list, count) => Array.from(view[list].subarray(0, view[count]));

test('hand-decoded Batches equal protobufjs\'s, liveSet batches included', () => {
  let batches = 0;
  let liveSets = 0;
  for (const file of [sites.file, ...rotated]) {
    const slow = [...new TraceReader(file).records()];
    const fast = new TraceReader(file).fastRecords();
    for (const { offset, record } of slow) {
      const got = fast.next().value;
      assert.equal(got.offset, offset);
      if (record.kind !== 'batch') {
        assert.deepEqual(got.record, record);
        continue;
      }
      assert.equal(got.record.kind, 'batchView', `${file} at ${offset}: the fast path took the batch`);
      const b = record.batch;
      const v = got.record.batch;
      assert.equal(v.timeNs, b.timeNs);
      assert.equal(v.liveSet, b.liveSet);
      assert.deepEqual(slice(v, 'allocIds', 'allocCount'), b.allocIds);
      assert.deepEqual(slice(v, 'allocStacks', 'stackCount'), b.allocStacks);
      assert.deepEqual(slice(v, 'allocSizes', 'sizeCount'), b.allocSizes);
      assert.deepEqual(slice(v, 'freedIds', 'freedCount'), b.freedIds);
      batches++;
      if (b.liveSet) liveSets++;
    }
    assert.equal(fast.next().done, true);
  }
  assert.ok(batches > 10, `${batches} batches compared`);
  assert.ok(liveSets >= 2, `${liveSets} liveSet batches compared`);
});

test('info\'s scan equals a full replay\'s info: whole, rotated alone and as one timeline', () => {
  const cases = [[sites.file], rotated, ...rotated.map((f) => [f]), rotated.slice(1, 3)];
  for (const files of cases) {
    assert.deepEqual(scanInfo(files), Replay.open(files).info(), files.map((f) => path.basename(f)).join(' '));
  }
});

test('info\'s scan equals a full replay\'s info on damaged copies', () => {
  const whole = fs.readFileSync(sites.file);
  const file = path.join(dir, 'damaged.atrace');
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let compared = 0;
  for (let i = 0; i < 40; i++) {
    const buf = Buffer.from(whole);
    for (let f = 0; f < 3; f++) buf[8 + Math.floor(rnd() * (buf.length - 8))] ^= 1 << Math.floor(rnd() * 8);
    fs.writeFileSync(file, buf);
    let full;
    try {
      full = Replay.open(file).info();
    } catch (err) {
      if (err instanceof NotATraceError) continue;
      throw err;
    }
    assert.deepEqual(scanInfo(file), full, `copy ${i}`);
    compared++;
  }
  assert.ok(compared > 20);
});

test('info on a pipe prints no progress line, only the info', () => {
  const r = cli(['info', '-'], { input: fs.readFileSync(sites.file) });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^File: /m);
  const j = cli(['info', sites.file, '--json']);
  assert.equal(j.status, 0, j.stderr);
  assert.equal(j.stderr, '');
  assert.doesNotMatch(j.stdout, /reading|\r/);
});

test('sample ids out of order across batches, thousands freed: the live set is still exact at every poll', () => {
  const { StreamBuilder } = require('./fixtures/synth');
  const { loadTrace } = require('../dist/replay/load');
  const b = new StreamBuilder();
  b.header({ startTimeUnixNs: 1_700_000_000_000_000_000, sampleInterval: 64 });
  const stacks = ['a', 'b', 'c'].map((fn, i) => b.stack([{ fn, file: '/app/x.js', line: i + 1, column: 1 }]));
  let seed = 11;
  const rnd = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const live = new Map(); // id -> stack index
  const expected = [];
  // Each batch's ids are increasing (deltas are unsigned), but batches take
  // turns between a high and a low range, so a later batch's ids are lower.
  let high = 1e6;
  let low = 1;
  for (let batch = 0; batch < 40; batch++) {
    const allocs = [];
    for (let i = 0; i < 400; i++) {
      const id = batch % 2 ? low++ : high++;
      const s = rnd(3);
      allocs.push({ id, stack: stacks[s], size: 32 });
      live.set(id, s);
    }
    const freed = [...live.keys()].filter(() => rnd(3) > 0).sort((x, y) => x - y);
    for (const id of freed) live.delete(id);
    b.batch((batch + 1) * 1e6, allocs, freed);
    b.marker((batch + 1) * 1e6, `m${batch}`);
    const perStack = [0, 0, 0];
    for (const s of live.values()) perStack[s]++;
    expected.push(perStack);
  }
  const t = loadTrace(b.bytes());
  assert.deepEqual(t.warnings, []);
  assert.equal(t.liveAtEnd, live.size);
  const replay = Replay.of(t);
  for (let batch = 0; batch < 40; batch++) {
    const got = [0, 0, 0];
    for (const s of replay.liveAt(`m${batch}`).statistics('function')) got['abc'.indexOf(s.traceback.frames[0].function)] = s.samples;
    assert.deepEqual(got, expected[batch], `after batch ${batch}`);
  }
});
