'use strict';
// `alloctrace pprof`: a pprof profile that go tool pprof reads and that
// decodes back to the report's figures; the DevTools heap profile JSON.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { spawnSync } = require('node:child_process');
const { Profile } = require('pprof-format');
const { tempDir, cli, runTraced, reportJson } = require('./helpers');

const dir = tempDir();
const trace = path.join(dir, 'rounds.atrace');
const made = runTraced('leak-rounds.js', {
  args: ['12'], env: { ALLOCTRACE_FILE: trace, ALLOCTRACE_INTERVAL: '32768', ALLOCTRACE_PRECISE: '1' },
});

function decode(file) {
  const p = Profile.decode(zlib.gunzipSync(fs.readFileSync(file)));
  const str = (i) => p.stringTable.strings[Number(i)];
  const fn = new Map(p.function.map((f) => [Number(f.id), f]));
  const loc = new Map(p.location.map((l) => [Number(l.id), l]));
  const samples = p.sample.map((s) => ({
    values: s.value.map(Number),
    frames: s.locationId.map((id) => {
      const line = loc.get(Number(id)).line[0];
      const f = fn.get(Number(line.functionId));
      return { name: str(f.name), file: str(f.filename), startLine: Number(f.startLine), line: Number(line.line), column: Number(line.column) };
    }),
  }));
  return { types: p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`), defaultType: str(p.defaultSampleType), samples };
}

function pprof(args) {
  const r = cli(['pprof', trace, ...args]);
  assert.equal(r.status, 0, r.stderr);
  return r;
}

test('pprof: Go\'s heap sample types; inuse_space sums to the report\'s total; the grower leads', () => {
  assert.equal(made.status, 0, made.stderr);
  const out = path.join(dir, 'heap.pb.gz');
  pprof(['-o', out]);
  assert.equal(fs.statSync(out).mode & 0o777, 0o600);
  const p = decode(out);
  assert.deepEqual(p.types, ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
  assert.equal(p.defaultType, 'inuse_space');
  const report = reportJson(trace, ['--group-by', 'function', '--cumulative', '--top', '1000']);
  const inuse = p.samples.reduce((a, s) => a + s.values[3], 0);
  assert.ok(Math.abs(inuse - report.total.size) <= p.samples.length, `${inuse} vs ${report.total.size}`);
  // keepRecord's cumulative bytes: every sample with it on the stack.
  const keep = report.stats.find((s) => s.frames[0]?.function === 'keepRecord');
  const withKeep = p.samples.filter((s) => s.frames.some((f) => f.name === 'keepRecord'));
  const keepBytes = withKeep.reduce((a, s) => a + s.values[3], 0);
  assert.ok(Math.abs(keepBytes - keep.size) <= withKeep.length, `${keepBytes} vs ${keep.size}`);
  // The function's definition line and column, as V8 gives them.
  const frame = withKeep[0].frames.find((f) => f.name === 'keepRecord');
  assert.equal(frame.line, keep.frames[0].line);
  assert.equal(frame.startLine, keep.frames[0].line);
  assert.equal(frame.column, keep.frames[0].column);
  assert.ok(frame.file.endsWith('leak-rounds.js'));
  // alloc_space counts what was freed too: at least what is live.
  for (const s of p.samples) assert.ok(s.values[1] >= s.values[3] - 1, JSON.stringify(s.values));
});

test('go tool pprof -top reads it and names the growing function', (t) => {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    // .ci/run installs golang-go; a machine without it only skips this check.
    t.skip('go is not installed (apt-get install golang-go)');
    return;
  }
  const out = path.join(dir, 'top.pb.gz');
  pprof(['-o', out]);
  const home = tempDir();
  const r = spawnSync('go', ['tool', 'pprof', '-top', '-sample_index=inuse_space', out], {
    encoding: 'utf8', env: { ...process.env, HOME: home, PPROF_TMPDIR: home, GOCACHE: path.join(home, 'cache') },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Type: inuse_space/);
  const rows = r.stdout.split('\n').filter((l) => /^\s*[\d.]+[kMG]?B\s/.test(l));
  assert.ok(rows.length > 0, r.stdout);
  // Builtins keep their own flat share in pprof (alloctrace's keys fold them into callers); the grower's cum is there.
  const keep = rows.find((l) => / keepRecord$/.test(l));
  assert.ok(keep, r.stdout);
  const cumMB = Number(/^\s*\S+\s+\S+\s+\S+\s+([\d.]+)MB/.exec(keep)?.[1]);
  assert.ok(cumMB > 1, keep);
  const alloc = spawnSync('go', ['tool', 'pprof', '-top', '-sample_index=alloc_space', out], {
    encoding: 'utf8', env: { ...process.env, HOME: home, PPROF_TMPDIR: home, GOCACHE: path.join(home, 'cache') },
  });
  assert.equal(alloc.status, 0, alloc.stderr);
  assert.match(alloc.stdout, /Type: alloc_space/);
});

test('pprof --format heapprofile: V8\'s sampling heap profile JSON, 0-based lines, sizes that sum to the total', () => {
  const out = path.join(dir, 'trace.heapprofile');
  pprof(['-o', out, '--format', 'heapprofile']);
  const hp = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(hp.head.callFrame.functionName, '(root)');
  let total = 0;
  const found = [];
  const walk = (n) => {
    total += n.selfSize;
    if (n.callFrame.functionName === 'keepRecord') found.push(n);
    n.children.forEach(walk);
  };
  walk(hp.head);
  assert.equal(total, hp.samples.reduce((a, s) => a + s.size, 0));
  const report = reportJson(trace, ['--group-by', 'function', '--top', '1000']);
  assert.ok(Math.abs(total - report.total.size) <= hp.samples.length, `${total} vs ${report.total.size}`);
  const keep = report.stats.find((s) => s.frames[0]?.function === 'keepRecord');
  assert.ok(found.length > 0);
  assert.equal(found[0].callFrame.lineNumber, keep.frames[0].line - 1);
  assert.equal(found[0].callFrame.columnNumber, keep.frames[0].column - 1);
});

test('pprof --compare-to: only what was allocated since, still live; never overwrites without --force', () => {
  const all = path.join(dir, 'all.pb.gz');
  const since = path.join(dir, 'since.pb.gz');
  pprof(['-o', all]);
  pprof(['-o', since, '--compare-to', 'round-6']);
  const sum = (file) => decode(file).samples.reduce((a, s) => a + s.values[3], 0);
  assert.ok(sum(since) > 0 && sum(since) < sum(all), `${sum(since)} of ${sum(all)}`);
  const keepSince = decode(since).samples.filter((s) => s.frames.some((f) => f.name === 'loadTable'));
  assert.equal(keepSince.reduce((a, s) => a + s.values[3], 0), 0, 'the table loaded at start-up is not in the window');
  const again = cli(['pprof', trace, '-o', all]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /exists: not overwritten \(--force replaces it\)/);
  pprof(['-o', all, '--force']);
  const none = cli(['pprof', trace]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /-o OUT is required/);
});
