'use strict';
// `alloctrace timeline`: memory records and the traced live set per poll,
// with markers, as text, CSV and JSON.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { StreamBuilder } = require('./fixtures/synth');
const { tempDir, cli, runTraced } = require('./helpers');

const dir = tempDir();
const OBJECTS = Math.round(1 / (1 - Math.exp(-1000 / 32768)));

/** 10 polls a second apart; heapUsed 1..10 MB; 10 samples of 1000 B kept per poll; a marker after poll 5. */
function synthetic() {
  const b = new StreamBuilder();
  b.header({});
  const s = b.stack([{ fn: 'keep', file: '/app/a.js', line: 1, column: 1 }]);
  let id = 0;
  for (let i = 1; i <= 10; i++) {
    const allocs = [];
    for (let k = 0; k < 10; k++) allocs.push({ id: ++id, stack: s, size: 1000 });
    b.batch(i * 1e9, allocs);
    b.memory(i * 1e9, i * 1e6);
    if (i === 5) b.marker(5.5e9, 'deploy, "v2"', true);
  }
  const file = path.join(dir, 'synthetic.atrace');
  b.write(file);
  return file;
}

test('timeline --json and --csv: one point per poll, memory and traced live bytes side by side, markers placed', () => {
  const file = synthetic();
  const r = cli(['timeline', file, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.schema, 1);
  assert.equal(out.hasMemory, true);
  assert.equal(out.points.length, 10);
  out.points.forEach((p, i) => {
    assert.equal(p.timeNs, (i + 1) * 1e9);
    assert.equal(p.heapUsed, (i + 1) * 1e6);
    assert.equal(p.rss, 2 * (i + 1) * 1e6);
    assert.equal(p.traced, (i + 1) * 10 * 1000 * OBJECTS);
  });
  assert.deepEqual(out.markers, [{ name: 'deploy, "v2"', timeNs: 5.5e9, gcForced: true }]);

  const csv = cli(['timeline', file, '--csv']);
  assert.equal(csv.status, 0, csv.stderr);
  const rows = csv.stdout.trim().split('\n');
  assert.equal(rows[0], 'timeNs,rss,heapTotal,heapUsed,external,arrayBuffers,traced,marker');
  assert.equal(rows.length, 11);
  assert.equal(rows[6], `6000000000,12000000,6000000,6000000,0,0,${60 * 1000 * OBJECTS},"deploy, ""v2"""`);
  assert.ok(rows[5].endsWith(','), 'no marker on the poll before it');
});

test('timeline text: a sparkline per series on one time axis, the marker under it; errors are one line', () => {
  const file = synthetic();
  const r = cli(['timeline', file]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /10 polls over 10\.0 s/);
  const traced = lines.find((l) => l.includes('traced live'));
  assert.match(traced, /traced live [▁▂▃▄▅▆▇█]{60} /);
  const heap = lines.find((l) => l.includes('heap used'));
  assert.match(heap, /9766 KiB at the end, peak 9766 KiB/);
  const ruler = lines.find((l) => l.trimStart().startsWith('markers'));
  // 5.5 s of 10 s on 60 columns: column 33.
  assert.equal(ruler.indexOf('1') - ruler.indexOf('markers') - 'markers '.length, 33);
  assert.ok(lines.some((l) => /1 deploy, "v2" at 5\.5 s \(after a full GC\)/.test(l)));
  const both = cli(['timeline', file, '--csv', '--json']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--csv and --json cannot be used together/);
  const none = cli(['timeline', path.join(dir, 'nope.atrace')]);
  assert.equal(none.status, 2);
  assert.equal(none.stderr.trim().split('\n').length, 1);
});

test('timeline of a real process: every poll has its memory record, the round markers are all there', () => {
  const file = path.join(dir, 'rounds.atrace');
  const r = runTraced('leak-rounds.js', { args: ['6'], env: { ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '32768' } });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(cli(['timeline', file, '--json']).stdout);
  assert.ok(out.points.length >= 7, `${out.points.length} points`);
  for (const p of out.points) assert.ok(p.rss > 0 && p.heapUsed > 0 && p.heapTotal >= p.heapUsed, JSON.stringify(p));
  const names = out.markers.map((m) => m.name);
  for (let i = 0; i < 6; i++) assert.ok(names.includes(`round-${i}`), names.join(','));
  // The kept records grow the traced live set from the first round to the last.
  const at = (name) => {
    const m = out.markers.find((x) => x.name === name);
    return out.points.filter((p) => p.timeNs <= m.timeNs).at(-1).traced;
  };
  assert.ok(at('round-5') > at('round-0'), `${at('round-0')} → ${at('round-5')}`);
});
