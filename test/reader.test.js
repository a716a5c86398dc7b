'use strict';
// The streaming reader on real native-written traces, truncated and junk files.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { TraceReader, NotATraceError } = require('../dist/format/reader');
const { encodeRecordDelimited } = require('../dist/format/proto');
const { loadTrace } = require('../dist/replay/load');
const { StreamBuilder } = require('./fixtures/synth');
const { makeSitesTrace, cli, tempDir: tmpDir } = require('./helpers');

const dir = tmpDir();
const native = makeSitesTrace(dir, { snapshot: true });

function readAllRecords(source) {
  const reader = new TraceReader(source);
  return { records: [...reader.records()], reader };
}

test('native trace: every id is defined before use and batch deltas add up to the trailer', () => {
  const { records, reader } = readAllRecords(native.file);
  assert.equal(reader.truncatedAt, null);
  assert.deepEqual(reader.warnings, []);
  assert.equal(records[0].record.kind, 'header');
  assert.equal(records[0].offset, 8);
  const header = records[0].record.header;
  assert.equal(header.sampleInterval, 32768);
  assert.equal(typeof header.startTimeUnixNs, 'number');

  const strings = new Map([[0, '']]);
  const frames = new Set();
  const stacks = new Set();
  const live = new Set();
  let allocs = 0; let frees = 0; let batches = 0; let trailer = null; let lastTime = 0;
  for (const { record } of records) {
    switch (record.kind) {
      case 'string': strings.set(record.string.id, record.string.value); break;
      case 'frame':
        assert.ok(strings.has(record.frame.functionName), 'function name defined first');
        assert.ok(strings.has(record.frame.scriptName), 'script name defined first');
        frames.add(record.frame.id);
        break;
      case 'stack':
        for (const f of record.stack.frames) assert.ok(frames.has(f), `frame ${f} defined first`);
        stacks.add(record.stack.id);
        break;
      case 'batch': {
        const b = record.batch;
        assert.equal(typeof b.timeNs, 'number');
        assert.ok(b.timeNs >= lastTime, 'batch times increase');
        lastTime = b.timeNs;
        assert.equal(b.allocIds.length, b.allocStacks.length);
        assert.equal(b.allocIds.length, b.allocSizes.length);
        let id = 0;
        for (let i = 0; i < b.allocIds.length; i++) {
          id += b.allocIds[i];
          assert.ok(stacks.has(b.allocStacks[i]), 'stack defined first');
          assert.ok(!live.has(id));
          live.add(id);
        }
        id = 0;
        for (const d of b.freedIds) {
          id += d;
          assert.ok(live.delete(id), `freed id ${id} was allocated and live`);
        }
        allocs += b.allocIds.length; frees += b.freedIds.length; batches++;
        break;
      }
      case 'trailer': trailer = record.trailer; break;
      default: break;
    }
  }
  assert.ok(trailer, 'trailer present');
  assert.ok(allocs > 100, `enough samples (${allocs})`);
  assert.equal(trailer.allocs, allocs);
  assert.equal(trailer.frees, frees);
  assert.equal(trailer.batches, batches);
  // The functions of the fixture resolve through the interned ids.
  const names = new Set(strings.values());
  for (const n of ['siteA', 'siteB', 'recurse', native.truth.file]) assert.ok(names.has(n), `string ${n}`);
});

test('a Buffer and a file give the same records', () => {
  const fromFile = readAllRecords(native.file).records;
  const fromBuffer = readAllRecords(fs.readFileSync(native.file)).records;
  assert.deepEqual(JSON.parse(JSON.stringify(fromBuffer)), JSON.parse(JSON.stringify(fromFile)));
});

test('loadTrace agrees with the trailer and with the live set', () => {
  const t = loadTrace(native.file);
  assert.equal(t.allocs, t.trailer.allocs);
  assert.equal(t.frees, t.trailer.frees);
  assert.equal(t.batchCount, t.trailer.batches);
  let live = 0;
  for (let i = 0; i < t.allocCount; i++) if (t.allocFreed[i] === 0xffffffff) live += t.allocSamples[i];
  assert.equal(live, t.allocs - t.frees);
  assert.equal(t.liveAtEnd, live);
  assert.deepEqual(t.markers.map((m) => m.name), ['start', 'before', 'middle', 'after', 'exit']);
  assert.ok(t.memory.length > 0);
});

test('a file cut short yields the whole records before the cut and names the offset', () => {
  const whole = fs.readFileSync(native.file);
  const { records } = readAllRecords(whole);
  const ends = records.map((r, i) => (i + 1 < records.length ? records[i + 1].offset : whole.length));
  const mid = records[Math.floor(records.length / 2)];
  const cuts = [9, 10, records[3].offset + 1, mid.offset, mid.offset + 2, whole.length - 1];
  for (const cut of cuts) {
    const file = path.join(dir, `cut-${cut}.atrace`);
    fs.writeFileSync(file, whole.subarray(0, cut));
    const expected = records.filter((r, i) => ends[i] <= cut);
    if (expected.length === 0) {
      // Not one whole record: no trace at all.
      assert.throws(() => readAllRecords(file), (err) => err instanceof NotATraceError &&
        new RegExp(`no decodable record after the signature: at byte 8, `).test(err.message));
      continue;
    }
    const got = readAllRecords(file);
    assert.equal(got.records.length, expected.length, `records before byte ${cut}`);
    assert.deepEqual(got.records.map((r) => r.offset), expected.map((r) => r.offset));
    const partial = records.find((r, i) => ends[i] > cut && r.offset < cut);
    if (partial) {
      assert.equal(got.reader.truncatedAt, partial.offset);
      assert.equal(got.reader.warnings.length, 1);
      assert.match(got.reader.warnings[0], new RegExp(`truncated at byte ${partial.offset}: `));
    } else {
      assert.equal(got.reader.truncatedAt, null, `cut ${cut} falls on a record boundary`);
    }
  }
});

test('CLI on a truncated trace: exit 0, a warning with the offset, no stack trace', () => {
  const whole = fs.readFileSync(native.file);
  const { records } = readAllRecords(whole);
  const victim = records[records.length - 3];
  const file = path.join(dir, 'killed.atrace');
  fs.writeFileSync(file, whole.subarray(0, victim.offset + 3));
  for (const args of [['report', file], ['info', file], ['report', file, '--json']]) {
    const r = cli(args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^alloctrace: .*truncated at byte ${victim.offset}: `, 'm'));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const info = JSON.parse(cli(['info', file, '--json']).stdout);
  assert.equal(info.trailer, false);
  assert.equal(info.truncatedAt, victim.offset);
  assert.match(cli(['info', file]).stdout, /died or was killed/);
});

test('junk, empty and wrong-version files: NotATraceError, CLI exit 2 with one line', () => {
  const junk = path.join(dir, 'junk.atrace');
  fs.writeFileSync(junk, 'this is not a trace at all\n');
  const empty = path.join(dir, 'empty.atrace');
  fs.writeFileSync(empty, '');
  const short = path.join(dir, 'short.atrace');
  fs.writeFileSync(short, 'ATR');
  const future = path.join(dir, 'future.atrace');
  fs.writeFileSync(future, Buffer.from('ATRACE\0\x09', 'latin1'));
  for (const file of [junk, empty, short, future]) {
    assert.throws(() => new TraceReader(file), NotATraceError);
    for (const cmd of ['report', 'info']) {
      const r = cli([cmd, file]);
      assert.equal(r.status, 2, `${cmd} ${file}`);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^alloctrace: .*(not an alloctrace trace|not supported)/);
    }
  }
  assert.throws(() => new TraceReader(Buffer.alloc(0)), NotATraceError);
});

test('garbage after valid records stops there with a warning', () => {
  const whole = fs.readFileSync(native.file);
  const bad = Buffer.concat([whole, Buffer.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff])]);
  const { records, reader } = readAllRecords(bad);
  assert.equal(records.length, readAllRecords(whole).records.length);
  assert.equal(reader.truncatedAt, whole.length);
  assert.match(reader.warnings[0], new RegExp(`truncated at byte ${whole.length}: `));
});

test('records bigger than the read chunk and streams of many chunks', () => {
  const b = new StreamBuilder();
  b.header({});
  const stack = b.stack([{ fn: 'f', file: '/app/a.js', line: 1, column: 1 }]);
  // One batch of ~6 MB (bigger than the 4 MiB chunk), then many small ones.
  const big = [];
  for (let i = 1; i <= 1_500_000; i++) big.push({ id: i, stack, size: 100 + (i % 50) });
  b.batch(1e6, big);
  let id = 1_500_000;
  for (let k = 0; k < 3000; k++) {
    const allocs = [];
    for (let j = 0; j < 300; j++) allocs.push({ id: ++id, stack, size: 200 });
    b.batch(2e6 + k, allocs, [k * 300 + 1, k * 300 + 2]);
  }
  const file = path.join(dir, 'chunks.atrace');
  b.write(file);
  assert.ok(fs.statSync(file).size > 8 << 20);
  const fromFile = readAllRecords(file);
  const fromBuffer = readAllRecords(fs.readFileSync(file));
  assert.equal(fromFile.reader.truncatedAt, null);
  assert.equal(fromFile.records.length, fromBuffer.records.length);
  assert.deepEqual(fromFile.records.map((r) => r.offset), fromBuffer.records.map((r) => r.offset));
  const t = loadTrace(file);
  assert.equal(t.allocs, 1_500_000 + 3000 * 300);
  assert.equal(t.frees, 6000);
});

test('several sessions: ids restart, each starts empty, times are absolute', () => {
  const b = new StreamBuilder();
  const t0 = 1_700_000_000_000_000_000;
  b.header({ startTimeUnixNs: t0 });
  const s1 = b.stack([{ fn: 'first', file: '/app/a.js', line: 3, column: 1 }]);
  b.batch(1e9, [{ id: 1, stack: s1, size: 64 }, { id: 2, stack: s1, size: 64 }]);
  b.marker(1e9, 'one');
  b.header({ startTimeUnixNs: t0 + 10e9 });
  // Same local ids, different meaning.
  const s2 = b.stack([{ fn: 'second', file: '/app/b.js', line: 7, column: 1 }]);
  b.marker(0, 'two-start');
  b.batch(2e9, [{ id: 1, stack: s2, size: 128 }]);
  b.marker(2e9, 'two');
  const t = loadTrace(b.bytes());
  assert.equal(t.segments.length, 2);
  assert.equal(t.segments[1].offsetNs, 10e9);
  const m = Object.fromEntries(t.markers.map((x) => [x.name, x]));
  assert.equal(m.two.timeNs, 12e9);
  const { Replay } = require('../dist/replay/replay');
  const at = (when) => Replay.of(t).liveAt(when);
  assert.deepEqual(at('one').statistics('function').map((s) => [s.traceback.frames[0].function, s.samples]), [['first', 2]]);
  assert.equal(at('two-start').length, 0, 'a new session starts from an empty live set');
  assert.deepEqual(at('end').statistics('function').map((s) => [s.traceback.frames[0].function, s.samples]), [['second', 1]]);
  assert.equal(at('11s').length, 0);
  assert.equal(at('5s').length, 2);
  // Two files concatenated with cat read as two sessions too.
  const cat = Buffer.concat([fs.readFileSync(native.file), b.bytes()]);
  const tc = loadTrace(cat);
  assert.equal(tc.segments.length, 3);
  assert.equal(tc.truncatedAt, null);
});

test('a format-1 trace (written by the native writer before checksums) still reads, with the same reports', () => {
  const file = path.join(__dirname, 'fixtures', 'format-v1.trace');
  const expected = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'format-v1.expected.json'), 'utf8'));
  assert.equal(new TraceReader(file).version, 1);
  for (const at of ['end', 'middle', 'peak']) {
    const r = cli(['report', file, '--json', '--group-by', 'traceback', '--top', '1000', '--at', at]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    // The expected reports predate `schema`, `precise` and the inlining note's newer wording.
    const { file: _, schema, precise, warnings, ...got } = JSON.parse(r.stdout);
    const { warnings: expectedWarnings, ...want } = expected[at];
    assert.equal(schema, 1);
    assert.equal(precise.exact, false, 'recorded with inlining on');
    assert.deepEqual(got, want, at);
    assert.deepEqual(warnings.map((w) => /inlined/.test(w)), expectedWarnings.map((w) => /inlined/.test(w)), at);
  }
  const info = JSON.parse(cli(['info', file, '--json']).stdout);
  const { part, ...header } = info.header;
  assert.equal(part, 0);
  assert.deepEqual(header, expected.info.header);
  for (const key of ['bytes', 'durationNs', 'allocs', 'frees', 'markers', 'trailer', 'truncatedAt']) assert.deepEqual(info[key], expected.info[key], key);
  assert.deepEqual(info.damaged, []);
  assert.match(cli(['info', file]).stdout, /^Damaged: +not checked \(format 1: no checksums\)$/m);
});

test('format 2: the TypeScript encoder frames every record byte for byte as the native writer does', () => {
  const whole = fs.readFileSync(native.file);
  assert.equal(whole[7], 2, 'native files are format 2');
  const { records } = readAllRecords(whole);
  const ends = records.map((r, i) => (i + 1 < records.length ? records[i + 1].offset : whole.length));
  let compared = 0;
  records.forEach(({ record, offset }, i) => {
    // Header: its start time (above 2^53 ns) does not survive a JavaScript number.
    if (record.kind === 'header') return;
    assert.deepEqual(Buffer.from(encodeRecordDelimited(record)), whole.subarray(offset, ends[i]), `${record.kind} at byte ${offset}`);
    compared++;
  });
  assert.ok(compared > 50, `${compared} records compared`);
  // And the synthetic traces tests build with it read without a complaint.
  const b = new StreamBuilder();
  b.header({});
  b.batch(1, [{ id: 1, stack: b.stack([{ fn: 'f', file: '/a.js', line: 1, column: 1 }]), size: 64 }]);
  const reader = new TraceReader(b.bytes());
  assert.equal([...reader.records()].length, 6);
  assert.deepEqual(reader.warnings, []);
});
