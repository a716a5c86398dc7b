'use strict';
// Snapshot, Statistic, compareTo, Filter and cumulative semantics on a trace
// made by the native sampler in a child process (fixtures/sites.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Snapshot, Filter, Frame, Traceback, globToRegExp } = require('../dist/public-model');
const { StreamBuilder } = require('./fixtures/synth');
const { makeSitesTrace, tempDir: tmpDir } = require('./helpers');

const dir = tmpDir();
const native = makeSitesTrace(dir, { snapshot: true });
const FIXTURE = native.truth.file;

const leafName = (s) => s.traceback.frames[0].function;
const byFunction = (stats, name) => stats.find((s) => leafName(s) === name);

test('two sites are estimated within 25% of what they retain, and ranked right', () => {
  const snap = Snapshot.load(native.file, { at: 'middle' });
  const stats = snap.statistics('function');
  assert.equal(leafName(stats[0]), 'siteA');
  assert.equal(leafName(stats[1]), 'siteB');
  for (const site of ['siteA', 'siteB']) {
    const s = byFunction(stats, site);
    const ratio = s.size / native.truth[site];
    assert.ok(ratio > 0.75 && ratio < 1.25, `${site}: estimated ${s.size} B, retained ${native.truth[site]} B (×${ratio.toFixed(2)})`);
    assert.equal(s.traceback.frames[0].file, FIXTURE);
    assert.ok(s.samples > 50, `${site} has ${s.samples} samples`);
  }
  // Builtins (String, padStart) were folded into the site that called them.
  assert.ok(snap.traces.some((t) => t.traceback.frames[0].builtin && t.traceback.leaf.function === 'siteA'));
  assert.ok(!stats.some((s) => s.traceback.frames[0].builtin), 'no key is a builtin');
});

test('statistics match a direct grouping of the traces; sizes are estimated bytes', () => {
  const snap = Snapshot.load(native.file);
  const traces = snap.traces;
  assert.equal(traces.length, snap.length);
  for (const keyType of ['lineno', 'filename', 'function', 'traceback']) {
    const expected = new Map();
    for (const t of traces) {
      const leaf = t.traceback.leaf;
      const key = keyType === 'lineno' ? `${leaf.file}:${leaf.line}`
        : keyType === 'filename' ? leaf.file
          : keyType === 'function' ? `${leaf.file}:${leaf.function}:${leaf.line}:${leaf.column}`
            : t.traceback.folded.map((f) => `${f.file}:${f.function}:${f.line}:${f.column}`).join('|');
      const e = expected.get(key) || { size: 0, count: 0, samples: 0 };
      e.size += t.sampleSize * t.count; e.count += t.count; e.samples += 1;
      expected.set(key, e);
    }
    const stats = snap.statistics(keyType);
    assert.equal(stats.length, expected.size, keyType);
    const sizes = [...expected.values()].map((e) => e.size).sort((a, b) => b - a);
    assert.deepEqual(stats.map((s) => s.size), sizes, `${keyType}: sorted by size`);
    assert.equal(stats.reduce((a, s) => a + s.samples, 0), traces.length);
    assert.equal(stats.reduce((a, s) => a + s.size, 0), snap.total.size);
  }
  // Estimated objects use V8's formula with the header's interval, once.
  for (const t of traces.slice(0, 50)) {
    assert.equal(t.count, Math.floor(1 / (1 - Math.exp(-t.sampleSize / 32768)) + 0.5));
  }
});

test('compareTo: new sites grow by what they hold, the order is by |sizeDiff|', () => {
  const before = Snapshot.load(native.file, { at: 'before' });
  const middle = Snapshot.load(native.file, { at: 'middle' });
  const diffs = middle.compareTo(before, 'function');
  assert.equal(leafName(diffs[0]), 'siteA');
  const a = byFunction(diffs, 'siteA');
  const plain = byFunction(middle.statistics('function'), 'siteA');
  assert.equal(a.size, plain.size);
  assert.equal(a.sizeDiff, plain.size - (byFunction(before.statistics('function'), 'siteA')?.size ?? 0));
  for (let i = 1; i < diffs.length; i++) assert.ok(Math.abs(diffs[i - 1].sizeDiff) >= Math.abs(diffs[i].sizeDiff));
  // Reversed, sites that went away show negative diffs and size 0.
  const back = before.compareTo(middle, 'function');
  const gone = byFunction(back, 'siteA');
  assert.equal(gone.size, 0);
  assert.equal(gone.sizeDiff, -plain.size);
  assert.equal(gone.countDiff, -plain.count);
});

test('filters: leaf file, line, all frames, inclusive vs exclusive', () => {
  const snap = Snapshot.load(native.file);
  const total = snap.total.size;
  const onlyFixture = snap.filterTraces([new Filter(true, '*/fixtures/sites.js')]);
  const noFixture = snap.filterTraces([new Filter(false, '*/fixtures/sites.js')]);
  assert.equal(onlyFixture.length + noFixture.length, snap.length);
  assert.equal(onlyFixture.total.size + noFixture.total.size, total);
  assert.ok(onlyFixture.statistics('function').every((s) => s.traceback.frames[0].file === FIXTURE));
  // Relative to the traced process's cwd works too (the child ran in `dir`, the fixture is elsewhere).
  assert.equal(snap.filterTraces([new Filter(true, 'sites.js')]).length, 0);
  // lineno: the line where siteA is defined.
  const siteA = byFunction(snap.statistics('function'), 'siteA');
  const line = siteA.traceback.frames[0].line;
  const onlyA = snap.filterTraces([new Filter(true, FIXTURE, { lineno: line })]);
  assert.deepEqual([...new Set(onlyA.statistics('function').map(leafName))], ['siteA']);
  // Without allFrames only the most recent frame counts: nothing allocates in node:internal directly here...
  const internalLeaf = snap.filterTraces([new Filter(true, 'node:internal*')]);
  const internalAny = snap.filterTraces([new Filter(true, 'node:internal*', { allFrames: true })]);
  assert.ok(internalAny.length > internalLeaf.length, 'allFrames sees callers');
  assert.ok(internalAny.statistics('function').some((s) => leafName(s) === 'siteA'));
  // Exclusive with allFrames drops any trace with a matching frame.
  const noInternal = snap.filterTraces([new Filter(false, 'node:internal*', { allFrames: true })]);
  assert.equal(noInternal.length + internalAny.length, snap.length);
  // Several inclusive filters: any may match.
  const either = snap.filterTraces([new Filter(true, FIXTURE, { lineno: line }), new Filter(true, 'node:internal*')]);
  assert.equal(either.length, onlyA.length + internalLeaf.length);
});

test('glob: * and ? match / too; [seq] classes; no partial matches', () => {
  assert.ok(globToRegExp('*.js').test('/a/b/c.js'));
  assert.ok(globToRegExp('/a/?/c.js').test('/a/b/c.js'));
  assert.ok(globToRegExp('/a*c.js').test('/a/b/c.js'));
  assert.ok(!globToRegExp('*.js').test('/a/b/c.jsx'));
  assert.ok(globToRegExp('[[]eval]').test('[eval]'));
  assert.ok(globToRegExp('m[!0-4].js').test('m7.js'));
  assert.ok(!globToRegExp('m[!0-4].js').test('m3.js'));
  assert.ok(globToRegExp('a.b(c)+').test('a.b(c)+'));
});

test('cumulative: each key counts once per sample, even in recursion', () => {
  const snap = Snapshot.load(native.file);
  const cumulative = snap.statistics('function', { cumulative: true });
  const rec = byFunction(cumulative, 'recurse');
  const withRecurse = snap.traces.filter((t) => t.traceback.folded.some((f) => f.function === 'recurse'));
  assert.ok(withRecurse.length > 10);
  assert.ok(withRecurse.some((t) => t.traceback.folded.filter((f) => f.function === 'recurse').length >= 5),
    'the fixture recursed');
  assert.equal(rec.samples, withRecurse.length);
  assert.equal(rec.size, withRecurse.reduce((a, t) => a + t.size, 0));
  for (const s of cumulative) assert.ok(s.size <= snap.total.size);
  // The module's top-level function is on every fixture stack: it holds them all.
  const top = cumulative.find((s) => s.traceback.frames[0].file === FIXTURE && s.traceback.frames[0].line === 1);
  assert.ok(top.size >= byFunction(cumulative, 'siteA').size + byFunction(cumulative, 'siteB').size);
  assert.throws(() => snap.statistics('traceback', { cumulative: true }), /cumulative/);
});

test('dump() and load() round-trip; fromBytes reads the native snapshot()', () => {
  const snap = Snapshot.load(native.file, { at: 'after' });
  const file = path.join(dir, 'dumped.atrace');
  snap.dump(file);
  const back = Snapshot.load(file);
  const simple = (s) => s.statistics('traceback').map((x) => [x.key, x.size, x.count, x.samples]);
  assert.deepEqual(simple(back), simple(snap));
  assert.deepEqual(back.info.header.cwd, snap.info.header.cwd);
  // The native snapshot was taken right after marker "after" (nothing new retained in between).
  const nat = Snapshot.fromBytes(fs.readFileSync(native.snapshotFile));
  assert.equal(nat.info.when, 'end');
  const a = byFunction(nat.statistics('function'), 'siteA');
  assert.equal(a.samples, byFunction(snap.statistics('function'), 'siteA').samples);
});

test('frames: builtins fold into the caller, anonymous names, traceback keys', () => {
  const b = new StreamBuilder();
  b.header({ cwd: '/app' });
  const push = { fn: 'push', builtin: true };
  const handler = { fn: '', file: '/app/src/h.js', line: 10, column: 3 };
  const main = { fn: 'main', file: '/app/main.js', line: 1, column: 1 };
  const s1 = b.stack([push, handler, main]);
  const s2 = b.stack([handler, main]);
  const s3 = b.stack([push]);
  b.batch(1e9, [{ id: 1, stack: s1, size: 32 }, { id: 2, stack: s2, size: 32 }, { id: 3, stack: s3, size: 32 }]);
  const snap = Snapshot.fromBytes(b.bytes());
  const lineno = snap.statistics('lineno');
  assert.equal(lineno.length, 2);
  assert.equal(lineno[0].samples, 2, 'push folded into the anonymous handler');
  assert.equal(lineno[0].traceback.frames[0].name, '(anonymous)');
  assert.equal(lineno[1].traceback.frames[0].builtin, true, 'a stack of builtins only keys by its builtin');
  // Tracebacks still show the builtin frame.
  const tb = snap.statistics('traceback');
  assert.equal(tb.length, 2);
  assert.ok(tb[0].traceback.frames.length >= 2);
  const f = new Frame('', '/x.js', 1, 2, false);
  assert.equal(new Traceback([new Frame('b', '', 0, 0, true), f]).leaf, f);
});

test('Traceback.format: tracemalloc\'s lines, oldest first, limit both ways, source under each readable frame', () => {
  const snap = Snapshot.load(native.file, { at: 'middle' });
  const stat = snap.statistics('traceback').find((s) => s.traceback.leaf && s.traceback.leaf.file === FIXTURE);
  const tb = stat.traceback;
  const source = fs.readFileSync(FIXTURE, 'utf8').split('\n');
  const head = (f) => (f.builtin ? `  File "<builtin>", line 0, in ${f.name}` : `  File "${f.file}", line ${f.line}, in ${f.name}`);
  const pair = (f) => (f.builtin ? [head(f)] : [head(f), `    ${source[f.line - 1].trim()}`]);
  // The fixture's function with the source line it is defined on, stripped.
  const site = tb.leaf;
  const lines = tb.format();
  const at = lines.indexOf(head(site));
  assert.ok(at >= 0, lines.join('\n'));
  assert.equal(lines[at + 1], `    ${source[site.line - 1].trim()}`);
  // Oldest first: the most recent frame (the leaf, maybe a builtin) comes last.
  const leaf = tb.frames[0];
  assert.deepEqual(lines.slice(-pair(leaf).length), pair(leaf));
  assert.deepEqual(tb.format({ mostRecentFirst: true }).slice(0, pair(leaf).length), pair(leaf));
  // limit > 0: the most recent frames; < 0: the oldest.
  assert.deepEqual(tb.format({ limit: 1 }), pair(leaf));
  const oldest = tb.frames[tb.frames.length - 1];
  assert.equal(tb.format({ limit: -1 })[0], head(oldest));
  assert.deepEqual(tb.format({ limit: 0 }), []);
  // Unreadable files and builtins: the frame line only.
  const gone = new Traceback([new Frame('f', '/no/such/file.js', 3, 1, false), new Frame('JSON.parse', '', 0, 0, true)]);
  assert.deepEqual(gone.format(), ['  File "<builtin>", line 0, in JSON.parse', '  File "/no/such/file.js", line 3, in f']);
});
