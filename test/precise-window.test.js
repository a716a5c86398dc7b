'use strict';
// Which part of a report's window was allocated in precise mode (from the
// Header and the precise-switch markers), and --hide, on traces with known
// contents: every figure here follows from the records written.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { cli, tempDir } = require('./helpers');
const { StreamBuilder } = require('./fixtures/synth');
const { Snapshot } = require('../dist/public-model');

const INTERVAL = 32768;
const dir = tempDir();

/** Estimated bytes of one sample of `size` bytes (V8's unsampling, as the reader does it). */
function estimated(size) {
  return size * Math.round(1 / (1 - Math.exp(-size / INTERVAL)));
}

function json(args) {
  const r = cli([...args, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// Inlining on (header), `precise-on`, `later`, `precise-off`, inlining on again.
const switched = path.join(dir, 'switched.atrace');
{
  const b = new StreamBuilder();
  b.header({ precise: false, sampleInterval: INTERVAL, cwd: '/app' });
  const caller = b.stack([{ fn: 'caller', file: '/app/a.js', line: 5, column: 1 }]);
  const leaf = b.stack([{ fn: 'leaf', file: '/app/a.js', line: 1, column: 1 }, { fn: 'caller', file: '/app/a.js', line: 5, column: 1 }]);
  b.batch(1e9, [{ id: 1, stack: caller, size: 1000 }]);
  b.marker(1.5e9, 'precise-on', false, 1);
  b.batch(2e9, [{ id: 2, stack: leaf, size: 2000 }]);
  b.marker(2.5e9, 'later');
  b.batch(3e9, [{ id: 3, stack: leaf, size: 3000 }]);
  b.marker(3.5e9, 'precise-off', false, 2);
  b.batch(4e9, [{ id: 4, stack: caller, size: 4000 }]);
  b.trailer(4e9, 4, 0, 4);
  b.write(switched);
}

test('a window wholly in precise mode is exact: no inlining note, and the text says so', () => {
  const r = json(['report', switched, '--at', 'later', '--compare-to', 'precise-on']);
  assert.deepEqual(r.precise, { exact: true, windowSize: estimated(2000), inlinedSize: 0 });
  assert.ok(!r.warnings.some((w) => /inlin/.test(w)), r.warnings.join('\n'));
  const text = cli(['report', switched, '--at', 'precise-off', '--compare-to', 'precise-on']).stdout;
  assert.match(text, /^Exact: every allocation in this window was made in precise mode/m);
  assert.doesNotMatch(text, /^Note:/m);
});

test('a window with allocations made with inlining on says how much of it', () => {
  const end = json(['report', switched]);
  const all = estimated(1000) + estimated(2000) + estimated(3000) + estimated(4000);
  assert.deepEqual(end.precise, { exact: false, windowSize: all, inlinedSize: estimated(1000) + estimated(4000) });
  const pct = Math.round((100 * end.precise.inlinedSize) / all);
  const note = end.warnings.find((w) => /inlined/.test(w));
  assert.ok(note, end.warnings.join('\n'));
  assert.match(note, new RegExp(`of the [\\d.]+ KiB live at end \\(${pct} %\\) was allocated with inlining on`));

  // From the start to the switch off: only the first sample was made with inlining on.
  const upToOff = json(['report', switched, '--at', 'precise-off', '--compare-to', 'start']);
  assert.equal(upToOff.precise.inlinedSize, estimated(1000));
  assert.equal(upToOff.precise.windowSize, estimated(1000) + estimated(2000) + estimated(3000));
  // Compared the other way round, the window is the same.
  assert.deepEqual(json(['report', switched, '--at', 'start', '--compare-to', 'precise-off']).precise, upToOff.precise);

  const text = cli(['report', switched, '--at', 'end', '--compare-to', 'precise-off']).stdout;
  assert.match(text, /^Note: allocations in functions that V8 inlined are charged to their callers, and all of the [\d.]+ KiB allocated since marker "precise-off" and live at end was allocated with inlining on; for exact functions use precise mode/m);
  assert.doesNotMatch(text, /^Exact:/m);
});

test('an empty window is exact; a trace recorded precise from the start needs no word about it', () => {
  assert.equal(json(['report', switched, '--at', 'start']).precise.exact, true);
  const b = new StreamBuilder();
  b.header({ precise: true, sampleInterval: INTERVAL });
  const s = b.stack([{ fn: 'keep', file: '/app/k.js', line: 3, column: 1 }]);
  b.batch(1e9, [{ id: 1, stack: s, size: 4096 }]);
  const file = path.join(dir, 'precise.atrace');
  b.write(file);
  const text = cli(['report', file]).stdout;
  assert.doesNotMatch(text, /^(Note|Exact):/m);
});

test('the in-memory model keeps each sample\'s mode and time through a dump and a load', () => {
  const end = Snapshot.load(switched);
  const later = Snapshot.load(switched, { at: 'later' });
  const window = end.windowTotals(later.info.timeNs);
  assert.deepEqual(window, { size: estimated(3000) + estimated(4000), inlinedSize: estimated(4000) });
  const file = path.join(dir, 'dumped.atrace');
  end.dump(file);
  const back = Snapshot.load(file);
  assert.deepEqual(back.windowTotals(null), end.windowTotals(null));
  assert.deepEqual(back.windowTotals(later.info.timeNs), window);
  assert.equal(back.info.timeNs, end.info.timeNs);
});

// An HTTP allocation charged to Node's own frames above the handler, and one
// with no application frame at all (all of it inlined into the parser).
const internal = path.join(dir, 'internal.atrace');
{
  const b = new StreamBuilder();
  b.header({ precise: false, sampleInterval: INTERVAL, cwd: '/app' });
  const viaEmit = b.stack([
    { fn: 'JSON.stringify', builtin: true },
    { fn: 'emit', file: 'node:events', line: 471, column: 28 },
    { fn: 'handleRequest', file: '/app/server.js', line: 10, column: 3 },
    { fn: 'parserOnIncoming', file: 'node:_http_server', line: 1026, column: 26 },
  ]);
  const parserOnly = b.stack([{ fn: 'parserOnHeadersComplete', file: 'node:_http_common', line: 71, column: 33 }]);
  const app = b.stack([{ fn: 'loadTable', file: '/app/table.js', line: 2, column: 1 }]);
  b.batch(1e9, [
    { id: 1, stack: viaEmit, size: 5000 }, { id: 2, stack: viaEmit, size: 5000 },
    { id: 3, stack: parserOnly, size: 3000 }, { id: 4, stack: app, size: 1000 },
  ]);
  b.trailer(1e9, 4, 0, 1);
  b.write(internal);
}

test('--hide drops matching frames before grouping: the entry moves from a node: frame to the application frame below', () => {
  const plain = json(['report', internal, '--group-by', 'function']);
  assert.equal(plain.stats[0].frames[0].function, 'emit');
  const hidden = json(['report', internal, '--group-by', 'function', '--hide', 'node:*']);
  assert.equal(hidden.stats[0].frames[0].function, 'handleRequest');
  assert.equal(hidden.stats[0].size, 2 * estimated(5000));
  // As with pprof's -hide, a sample left with no frame is dropped.
  assert.deepEqual(hidden.stats.map((s) => s.frames[0].function), ['handleRequest', 'loadTable']);
  assert.equal(hidden.total.size, plain.total.size - estimated(3000));
  // Tracebacks lose the hidden frames; the builtin stays, folded into the application frame.
  const tb = json(['report', internal, '--group-by', 'traceback', '--hide', 'node:*', '--top', '1']);
  assert.deepEqual(tb.stats[0].frames.map((f) => f.function), ['JSON.stringify', 'handleRequest']);
  // Filters look at the recorded frames, before hiding.
  assert.equal(json(['report', internal, '--include', 'node:*', '--hide', 'node:*']).stats[0].frames[0].function, 'handleRequest');
  const text = cli(['report', internal, '--hide', 'node:*', '--hide', '*/table.js']).stdout;
  assert.match(text.split('\n')[0], /, frames hidden: node:\* \*\/table\.js/);
});

test('the API hides frames the same way: Snapshot.statistics and compareTo take `hide`', () => {
  const snap = Snapshot.load(internal);
  assert.equal(snap.statistics('function')[0].traceback.frames[0].function, 'emit');
  const stats = snap.statistics('function', { hide: ['node:*'] });
  assert.equal(stats[0].traceback.frames[0].function, 'handleRequest');
  const start = Snapshot.load(internal, { at: 'start' });
  const diff = snap.compareTo(start, 'lineno', { hide: ['node:*'] });
  assert.equal(diff[0].traceback.frames[0].function, 'handleRequest');
  assert.equal(diff[0].sizeDiff, 2 * estimated(5000));
});

test("Node's own functions on top of a report made with inlining on: one line says what they probably are", () => {
  const text = cli(['report', internal, '--group-by', 'function']).stdout;
  const notes = text.split('\n').filter((l) => /Node's own functions/.test(l));
  assert.equal(notes.length, 1, text);
  assert.match(notes[0], /^Note: top entries are Node's own functions \(node:\.\.\.\), which probably host inlined application code: --hide 'node:\*' charges them to the nearest application frame; precise mode gives exact functions\.$/);
  assert.doesNotMatch(cli(['report', internal, '--group-by', 'function', '--hide', 'node:*']).stdout, /Node's own functions/);
  // Recorded in precise mode, a node: frame on top is Node's own allocation: no such note.
  const b = new StreamBuilder();
  b.header({ precise: true, sampleInterval: INTERVAL });
  const s = b.stack([{ fn: 'parserOnHeadersComplete', file: 'node:_http_common', line: 71, column: 33 }]);
  b.batch(1e9, [{ id: 1, stack: s, size: 4096 }]);
  const file = path.join(dir, 'precise-internal.atrace');
  b.write(file);
  assert.doesNotMatch(cli(['report', file, '--group-by', 'function']).stdout, /Node's own functions/);
});
