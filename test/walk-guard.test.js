'use strict';
// Heap walks that would not fit are refused, and censuses fall back to
// counting: the counting census (V8's heap iterator, no snapshot) counts a
// class's instances exactly, is written into the trace as counts only and
// compared by count; with ALLOCTRACE_SNAPSHOT_MAX_HEAP below the heap, the
// admin endpoint's /census counts, /retainers, /largest, /suspects and
// /census?mode=full answer 503 with the figures (force=1 takes them), and the
// marker signal's census counts. Real processes, the real addon.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { ROOT, FIXTURES, cli, spawnApp, tempDir, warnings } = require('./helpers');
const DIST = path.join(ROOT, 'dist');

const TOKEN = 'walk-guard-token-1';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const [N, M, K] = [1000, 300, 250];

test('a counting census counts every Session and Map exactly, without sizes; the trace keeps it as counts only', () => {
  const file = path.join(tempDir(), 'counts.atrace');
  const r = spawnSync(process.execPath, [path.join(FIXTURES, 'census-api.js'), file, String(N), String(M), String(K), 'counts'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(warnings(r.stderr), []);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.sessions, [0, N, N + K]);
  assert.equal(out.maps[1] - out.maps[0], M, `Maps: ${out.maps}`);
  assert.deepEqual(out.countsOnly, [true, true, true]);
  assert.equal(out.sizes, 0);
  assert.equal(out.gcForced, true);
  assert.deepEqual(out.growth[0], { type: 'object', name: 'Session', countDiff: K, sizeDiff: 0 });
  // The earlier census the app keeps is taken off the next one's count.
  assert.deepEqual(out.growthFromEmpty[0], { type: 'object', name: 'Session', countDiff: N, sizeDiff: 0 });

  const listed = JSON.parse(cli(['census', file, '--json', '--top', '5']).stdout);
  assert.deepEqual(listed.censuses.map((c) => [c.label, c.countsOnly, c.size]), [['empty', true, 0], ['before', true, 0], ['after', true, 0]]);
  // With no sizes, the top kinds are the most common.
  const counts = listed.censuses[2].top.map((e) => e.count);
  assert.deepEqual(counts, [...counts].sort((a, b) => b - a));
  const growth = JSON.parse(cli(['census', file, '--json', '--compare-to', 'before', '--top', '1']).stdout).growth;
  assert.equal(growth.countsOnly, true);
  assert.deepEqual(growth.grown, [{ type: 'object', name: 'Session', count: N + K, size: 0, countDiff: K, sizeDiff: 0 }]);
  const text = cli(['census', file, '--compare-to', 'previous', '--top', '1']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^Growth from census "before" at .* to "after" at .*, JavaScript objects by count .*\n\s*count\s+\+count\s+kind\n\s*1250\s+\+250\s+Session \(object\)\n$/);
  const one = cli(['census', file, '--top', '2']);
  assert.match(one.stdout, /census "after" at .*: \d+ JavaScript objects in \d+ kinds \(counts only: .*\); the 2 most common:\ncount\s+kind\n/);
});

test('a full and a counting census compare by count over the JavaScript objects both hold', () => {
  const r = spawnSync(process.execPath, ['-e', `
    const a = require(${JSON.stringify(ROOT)});
    class Session { constructor(i) { this.i = i; } }
    globalThis.kept = Array.from({ length: ${N} }, (_, i) => new Session(i));
    const full = a.census({ mode: 'full' });
    for (let i = 0; i < ${K}; i++) globalThis.kept.push(new Session(i));
    const counts = a.census({ mode: 'counts' });
    const g = a.censusGrowth(counts, full);
    console.log(JSON.stringify({ top: g[0], types: [...new Set(g.map((e) => e.type))].sort(), sizes: g.every((e) => e.size === 0 && e.sizeDiff === 0),
      contexts: g.filter((e) => e.name.startsWith('system / ')).length, full: full.countsOnly === true, counts: counts.countsOnly }));
  `], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.top, { type: 'object', name: 'Session', count: N + K, size: 0, countDiff: K, sizeDiff: 0 });
  assert.equal(out.full, false);
  assert.equal(out.counts, true);
  assert.ok(out.types.every((t) => ['object', 'closure', 'regexp'].includes(t)), out.types.join());
  assert.equal(out.sizes, true);
  assert.equal(out.contexts, 0);
});

test('the walk guard refuses what would not fit the memory available, with the figures; a bad limit warns once', () => {
  const r = spawnSync(process.execPath, ['-e', `
    const g = require(${JSON.stringify(path.join(DIST, 'heap', 'walk-guard.js'))});
    const MiB = 1048576;
    const budget = { heapUsed: 100 * MiB, available: 1000 * MiB, maxHeap: 256 * MiB };
    const out = {
      small: g.walkRefusal('snapshot', { ...budget, heapUsed: 10 * MiB }, 'x'),
      memory: g.walkRefusal('snapshot', budget, 'a full census'),
      count: g.walkRefusal('count', budget, 'a counting census'),
      heap: g.walkRefusal('snapshot', { ...budget, heapUsed: 300 * MiB, available: 100000 * MiB }, 'a heap snapshot'),
      countBig: g.walkRefusal('count', { ...budget, heapUsed: 300 * MiB, available: 100000 * MiB }, 'a counting census'),
      bad: [g.snapshotMaxHeap({ ALLOCTRACE_SNAPSHOT_MAX_HEAP: 'lots' }), g.snapshotMaxHeap({ ALLOCTRACE_SNAPSHOT_MAX_HEAP: 'lots' })],
      good: [g.snapshotMaxHeap({ ALLOCTRACE_SNAPSHOT_MAX_HEAP: '2G' }), g.snapshotMaxHeap({ ALLOCTRACE_SNAPSHOT_MAX_HEAP: '1536k' }), g.snapshotMaxHeap({})],
    };
    let refused;
    try { g.checkHeapWalk('snapshot', 'y', false); } catch (e) { refused = e; }
    out.forced = (() => { g.checkHeapWalk('count', 'z', true); return 'ran'; })();
    console.log(JSON.stringify(out));
  `], { encoding: 'utf8', env: { ...process.env, ALLOCTRACE_SNAPSHOT_MAX_HEAP: '1k' } });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.small, null);
  assert.equal(out.memory.needed, 1600 * 1048576);
  assert.equal(out.memory.message, 'a full census refused: it needs about 1,600 MiB more memory for this heap (100 MiB used) and the process has 1,000 MiB available; it could be killed for it');
  assert.equal(out.count, null);
  assert.match(out.heap.message, /^a heap snapshot refused: V8's heap snapshot of this heap \(300 MiB used, over the 256 MiB limit, ALLOCTRACE_SNAPSHOT_MAX_HEAP\) would pause the app for about 30 s and take about 4,800 MiB more memory$/);
  assert.equal(out.countBig, null, 'the heap limit is for snapshots only');
  assert.deepEqual(out.bad, [256 * 1048576, 256 * 1048576]);
  assert.deepEqual(out.good, [2 * 1024 ** 3, 1536 * 1024, 256 * 1048576]);
  assert.equal(out.forced, 'ran');
  assert.deepEqual(warnings(r.stderr), ['alloctrace: ALLOCTRACE_SNAPSHOT_MAX_HEAP="lots" is not a size such as 512M or 2G: using 256 MiB']);
});

/** The census service under the preload; resolves its port and admin URL once both are up. */
function startApp(env) {
  const app = spawnApp('census-app.js', { args: [String(N), String(M)], env });
  const ready = Promise.all([app.waitFor('stdout', /app (\d+)/), app.waitFor('stderr', /alloctrace: admin endpoint on (http:\/\/\S+)/)])
    .then(([port, admin]) => ({ port: Number(port[1]), admin: admin[1] }));
  return { child: app.child, ready, stderr: app.stderr };
}

async function call(admin, route, { method = 'GET', query = '' } = {}) {
  const res = await fetch(`${admin}/${route}${query}`, { method, headers: AUTH });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, text, json, retryAfter: res.headers.get('retry-after') };
}

test('over ALLOCTRACE_SNAPSHOT_MAX_HEAP: /census counts, heap snapshots are 503 unless forced, the signal counts', async () => {
  const file = path.join(tempDir(), 'guarded.atrace');
  const app = startApp({
    ALLOCTRACE_FILE: file, ALLOCTRACE_HTTP: '127.0.0.1:0', ALLOCTRACE_HTTP_TOKEN: TOKEN, ALLOCTRACE_HTTP_GC_LIMIT: '0',
    ALLOCTRACE_SNAPSHOT_MAX_HEAP: '1M', ALLOCTRACE_SIGNAL: 'SIGUSR2', ALLOCTRACE_CENSUS_ON_SIGNAL: '1',
  });
  try {
    const { port, admin } = await app.ready;
    const census = await call(admin, 'census', { query: '?limit=1000' });
    assert.equal(census.status, 200, census.text);
    assert.equal(census.json.census.countsOnly, true);
    assert.match(census.json.fallback, /^a full census refused: V8's heap snapshot of this heap \(\d+ MiB used, over the 1 MiB limit, ALLOCTRACE_SNAPSHOT_MAX_HEAP\) .*: counted JavaScript objects instead/);
    assert.equal(census.json.census.top.find((e) => e.name === 'Session').count, N);

    for (const [route, method, what] of [['retainers', 'GET', 'a heap snapshot for /retainers'], ['largest', 'GET', 'a heap snapshot for /largest'],
      ['census?mode=full', 'GET', 'a full census'], ['suspects?seconds=30', 'POST', 'a suspects window']]) {
      const [name, query] = route.split('?');
      const r = await call(admin, name, { method, query: query ? `?${query}` : '' });
      assert.equal(r.status, 503, `${route}: ${r.text}`);
      assert.ok(r.json.error.startsWith(`${what}`), r.json.error);
      assert.match(r.json.error, /over the 1 MiB limit.*; add force=1 to take it anyway$/);
      assert.equal(r.json.maxHeap, 1048576);
      assert.ok(r.json.heapUsed > 1048576 && r.json.needed > r.json.heapUsed && r.json.available > 0, r.text);
      assert.equal(r.retryAfter, null, 'retrying would not help');
    }
    const forced = await call(admin, 'retainers', { query: '?type=Session&force=1' });
    assert.equal(forced.status, 200, forced.text);
    assert.equal(forced.json.instances, N);
    const full = await call(admin, 'census', { query: '?mode=full&force=1&limit=1000' });
    assert.equal(full.status, 200, full.text);
    assert.equal(full.json.census.countsOnly, false);
    assert.ok(full.json.census.top.find((e) => e.name === 'Session').size > 0);

    // /growth against the full census just taken: by count, over JavaScript objects.
    await fetch(`http://127.0.0.1:${port}/add?k=${K}`).then((r) => r.text());
    const grown = await call(admin, 'growth', { query: '?limit=1' });
    assert.equal(grown.status, 200, grown.text);
    assert.equal(grown.json.growth.countsOnly, true);
    assert.deepEqual(grown.json.growth.grown, [{ type: 'object', name: 'Session', count: N + K, size: 0, countDiff: K, sizeDiff: 0 }]);

    app.child.kill('SIGUSR2');
    let last;
    for (let i = 0; i < 100 && last?.label !== 'SIGUSR2-1'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = JSON.parse(cli(['census', file, '--json', '--top', '1000']).stdout).censuses.at(-1);
    }
    assert.equal(last.label, 'SIGUSR2-1');
    assert.equal(last.countsOnly, true);
    assert.equal(last.top.find((e) => e.name === 'Session').count, N + K);
    assert.deepEqual(warnings(app.stderr()).filter((w) => !/admin endpoint on/.test(w)), []);
  } finally {
    app.child.kill();
  }
});
