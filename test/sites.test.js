'use strict';
// Retainers of a site's objects: in a heap snapshot saved with allocation
// tracking on, `retainers --site` traces back the live objects one function
// allocated (by name, file or file:line), and `suspects --site` keeps only
// that site's groups; a snapshot without traces or an unknown site is a
// clear exit 2. The snapshot comes from a real process (tracked-snapshot.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { FIXTURES, cli, tempDir } = require('./helpers');

const N = 2000;
const dir = tempDir();
const tracked = path.join(dir, 'tracked.heapsnapshot');
const made = spawnSync(process.execPath, ['--no-compact', '--no-opt', '--no-maglev', path.join(FIXTURES, 'tracked-snapshot.js'), tracked, String(N)], { encoding: 'utf8' });
const lines = made.status === 0 ? JSON.parse(made.stdout) : null;
const SCRIPT = path.join(FIXTURES, 'tracked-snapshot.js');

function json(args) {
  const r = cli(args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('the fixture wrote a snapshot with allocation traces', () => {
  assert.equal(made.status, 0, made.stderr);
  assert.equal(made.stderr, '');
});

test('retainers --site: the live objects remember() allocated, by name, file:line; a Visit per call held through .history', () => {
  const byName = json(['retainers', tracked, '--site', 'remember', '--json']);
  assert.equal(byName.site, 'remember');
  assert.equal(byName.type, '');
  assert.equal(byName.clusters[0].path, 'registry Map → value Session → .history Array → [i] Visit');
  // Every Visit (V8 26 also charges a couple of the class's own objects to the first call).
  assert.ok(byName.clusters[0].count >= N && byName.clusters[0].count <= N + 5, JSON.stringify(byName.clusters[0]));
  // keepLog's records are not remember's (V8 24 gives a stray couple of them remember's trace).
  const strays = byName.clusters.filter((c) => /records Array/.test(c.path)).reduce((n, c) => n + c.count, 0);
  assert.ok(strays <= 5, `${strays} of keepLog's records charged to remember`);
  const byLine = json(['retainers', tracked, '--site', `registry-model.js:${lines.remember}`, '--json']);
  assert.deepEqual(byLine.clusters, byName.clusters);
  assert.equal(byLine.instances, byName.instances);
  const text = cli(['retainers', tracked, '--site', 'remember', '--top', '1']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^\\d+ live objects allocated at remember \\(.* shallow\\) in .*tracked\\.heapsnapshot; shortest retaining paths .*\\n\\s+\\d+\\s+.*  registry Map → value Session → \\.history Array → \\[i\\] Visit  \\(e\\.g\\. @\\d+\\)\\n$`));
  // The debug-toolbar case: every formatted record kept by a module-level list.
  const log = json(['retainers', tracked, '--site', `${SCRIPT}:${lines.keepLog}`, '--json']);
  assert.equal(log.clusters[0].path, 'records Array → [i] Object');
  assert.ok(log.clusters[0].count >= N, JSON.stringify(log.clusters[0]));
});

test('suspects --site keeps only the objects allocated there', () => {
  const all = json(['suspects', tracked, '--json', '--top', '20']);
  assert.equal(all.site, null);
  assert.ok(all.suspects.some((s) => s.function === 'remember') && all.suspects.some((s) => s.function === 'keepLog'));
  const only = json(['suspects', tracked, '--site', 'keepLog', '--json', '--top', '20']);
  assert.equal(only.site, 'keepLog');
  assert.ok(only.suspects.length > 0 && only.suspects.every((s) => s.function === 'keepLog'), JSON.stringify(only.suspects));
  assert.equal(only.suspects[0].path, 'records Array → [i] Object');
  assert.ok(only.tracked < all.tracked);
  const byFile = json(['suspects', tracked, '--site', 'tracked-snapshot.js', '--json', '--top', '50']);
  assert.ok(byFile.suspects.every((s) => s.file === SCRIPT));
});

test('--site on a snapshot without traces, an unknown site, or with --type: exit 2 and one line', () => {
  const plain = path.join(dir, 'plain.heapsnapshot');
  const w = spawnSync(process.execPath, ['-e', `require('v8').writeHeapSnapshot(${JSON.stringify(plain)})`]);
  assert.equal(w.status, 0);
  const none = cli(['retainers', plain, '--site', 'remember']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^alloctrace: retainers: this heap snapshot has no allocation traces: --site needs one saved with allocation tracking on/);
  const unknown = cli(['retainers', tracked, '--site', 'nope']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no live object allocated at "nope" in this heap snapshot \(allocating functions in it: .*remember \(.*tracked-snapshot\.js:\d+\)/);
  assert.equal(unknown.stderr.trim().split('\n').length, 1);
  const both = cli(['retainers', tracked, '--site', 'remember', '--type', 'Visit']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--site picks the objects itself/);
});
