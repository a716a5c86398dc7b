'use strict';
// `alloctrace leaks`: a site that grows all along ranks first and is called
// growing; one loaded at start-up and one spike that went away rank below it
// with their own kinds. On exact synthetic traces and on a real process.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { StreamBuilder } = require('./fixtures/synth');
const { tempDir, cli, runTraced } = require('./helpers');

const dir = tempDir();

function json(args) {
  const r = cli(args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** 20 polls a second apart: a grower, a big load at the first poll, a spike in polls 8-10, steady churn. */
function synthetic() {
  const b = new StreamBuilder();
  b.header({ cwd: '/app' });
  const site = (fn, line) => b.stack([{ fn, file: '/app/server.js', line, column: 1 }]);
  const grower = site('remember', 10);
  const load = site('loadTable', 20);
  const spike = site('burst', 30);
  const churn = site('handle', 40);
  let id = 0;
  const spikeIds = [];
  let lastChurn = [];
  for (let i = 0; i < 20; i++) {
    const allocs = [];
    for (let k = 0; k < 5; k++) allocs.push({ id: ++id, stack: grower, size: 100 });
    if (i === 0) for (let k = 0; k < 300; k++) allocs.push({ id: ++id, stack: load, size: 1000 });
    if (i >= 8 && i <= 10) for (let k = 0; k < 200; k++) { allocs.push({ id: ++id, stack: spike, size: 1000 }); spikeIds.push(id); }
    const churnIds = [];
    for (let k = 0; k < 50; k++) { allocs.push({ id: ++id, stack: churn, size: 100 }); churnIds.push(id); }
    const freed = [...lastChurn, ...(i === 12 ? spikeIds : [])].sort((a, b2) => a - b2);
    b.batch((i + 1) * 1e9, allocs, freed);
    lastChurn = churnIds;
  }
  const file = path.join(dir, 'synthetic.atrace');
  b.write(file);
  return file;
}

test('leaks ranks the steady grower first, above a bigger load-once site and a spike, each with its kind', () => {
  const file = synthetic();
  const out = json(['leaks', file, '--group-by', 'function', '--json']);
  assert.equal(out.schema, 1);
  assert.equal(out.polls, 20);
  assert.equal(out.timeNs.length, 20);
  const byName = Object.fromEntries(out.sites.filter((s) => s.frames.length > 0).map((s) => [s.frames[0].function, s]));
  assert.equal(out.sites[0].frames[0].function, 'remember');
  assert.equal(out.sites[0].kind, 'growing');
  assert.equal(out.sites[0].grewIn, 19);
  assert.equal(out.sites[0].windows, 19);
  assert.ok(out.sites[0].r2 > 0.99, `r2 ${out.sites[0].r2}`);
  // 5 samples of 100 B a second, each standing for round(1/(1-exp(-100/32768))) objects.
  const objects = Math.round(1 / (1 - Math.exp(-100 / 32768)));
  assert.ok(Math.abs(out.sites[0].slopeBytesPerSec - 5 * 100 * objects) < 1e-6, `slope ${out.sites[0].slopeBytesPerSec}`);
  assert.equal(out.sites[0].series.length, 20);
  assert.ok(byName.loadTable.finalSize > out.sites[0].finalSize, 'the load-once site is the bigger one');
  assert.equal(byName.loadTable.kind, 'load-once');
  assert.equal(byName.burst.kind, 'spike');
  assert.equal(byName.burst.finalSize, 0);
  // Flat from the first poll: a series cannot tell churn from a load at start-up, but it is no suspect.
  assert.notEqual(byName.handle.kind, 'growing');
  assert.equal(byName.handle.score, 0);
  // Text: the same order, kinds and sparklines.
  const r = cli(['leaks', file, '--group-by', 'function', '--top', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /#1: server\.js:10:1 \(remember\)\n {4}growing +[▁▂▃▄▅▆▇█]+ +\+[\d.]+ KiB\/(min|s)/);
  assert.match(r.stdout, /2 other sites/);
});

test('leaks: --points caps the series; bad values and missing files are usage errors', () => {
  const file = synthetic();
  const out = json(['leaks', file, '--points', '5', '--json']);
  assert.equal(out.timeNs.length, 5);
  assert.deepEqual(out.timeNs, [4e9, 8e9, 12e9, 16e9, 20e9]);
  for (const [args, re] of [
    [['leaks', file, '--points', '1'], /--points must be a whole number of at least 2/],
    [['leaks', file, '--group-by', 'nope'], /--group-by must be one of/],
    [['leaks'], /no trace FILE given/],
    [['leaks', path.join(dir, 'missing.atrace')], /missing\.atrace/],
  ]) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const help = cli(['leaks', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: alloctrace leaks FILE/);
});

test('leaks on a real process: the log handler that keeps every record ranks first, the table and the burst do not', () => {
  const file = path.join(dir, 'rounds.atrace');
  const r = runTraced('leak-rounds.js', {
    args: ['20'], env: { ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '32768', ALLOCTRACE_PRECISE: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  const out = json(['leaks', file, '--group-by', 'function', '--top', '100', '--json']);
  const fixture = out.sites.filter((s) => s.frames.length > 0 && s.frames[0].file.endsWith('leak-rounds.js'));
  const names = fixture.map((s) => s.frames[0].function);
  assert.equal(names[0], 'keepRecord', JSON.stringify(fixture.map((s) => [s.frames[0].function, s.kind, s.score])));
  assert.equal(fixture[0].kind, 'growing');
  assert.equal(out.sites[0].frames[0]?.function, 'keepRecord', 'the grower is first over all sites, Node\'s own included');
  const kinds = Object.fromEntries(fixture.map((s) => [s.frames[0].function, s.kind]));
  assert.equal(kinds.loadTable, 'load-once');
  assert.equal(kinds.holdBurst, 'spike');
});
