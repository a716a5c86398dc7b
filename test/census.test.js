'use strict';
// Object censuses in real processes: census() counts what the app keeps
// (exact for a class's instances), growth names what was added, the admin
// endpoint's /census and /growth, the marker signal with
// ALLOCTRACE_CENSUS_ON_SIGNAL, and `alloctrace census FILE` reading the
// censuses written into the trace (report and info still read such a trace).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const { FIXTURES, REGISTER, cli, tempDir, warnings } = require('./helpers');

const TOKEN = 'census-token-123';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const [N, M, K] = [1000, 300, 250];

function censusJson(file, args = []) {
  const r = cli(['census', file, '--json', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('census() counts every Session and Map kept; growth shows Session +K first; the CLI reads the trace', () => {
  const file = path.join(tempDir(), 'census.atrace');
  const r = spawnSync(process.execPath, [path.join(FIXTURES, 'census-api.js'), file, String(N), String(M), String(K)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(warnings(r.stderr), []);
  const out = JSON.parse(r.stdout);
  // Exact counts: a census is the whole heap, not a sample.
  assert.deepEqual(out.sessions, [0, N, N + K]);
  assert.equal(out.maps[1] - out.maps[0], M, `Maps: ${out.maps}`);
  assert.ok(out.sessionSize >= N * 16, `shallow size of ${N} Sessions: ${out.sessionSize}`);
  assert.equal(out.gcForced, true);
  assert.ok(out.pauseNs > 0);
  assert.deepEqual(out.growth[0], { type: 'object', name: 'Session', countDiff: K, sizeDiff: out.sessionSize / N * K });
  // The earlier census the app keeps (`empty`) is not counted as growth by the next one.
  assert.equal(out.growthFromEmpty[0].name, 'Session');
  assert.equal(out.growthFromEmpty[0].countDiff, N);

  // Offline: every census written into the trace, in order, with the same figures.
  const listed = censusJson(file, ['--top', '200']);
  assert.equal(listed.schema, 1);
  assert.deepEqual(listed.censuses.map((c) => c.label), ['empty', 'before', 'after']);
  assert.equal(listed.growth, null);
  const sessions = listed.censuses.map((c) => c.top.find((e) => e.type === 'object' && e.name === 'Session')?.count ?? 0);
  assert.deepEqual(sessions, [0, N, N + K]);
  for (const c of listed.censuses) assert.ok(c.objects > 0 && c.size > 0 && c.kinds > 0 && c.gcForced);
  const growth = censusJson(file, ['--compare-to', 'before', '--top', '3']).growth;
  assert.deepEqual(growth.from.label, 'before');
  assert.deepEqual(growth.to.label, 'after');
  assert.deepEqual(growth.grown[0], { type: 'object', name: 'Session', count: N + K, size: out.sessionSize / N * (N + K), countDiff: K, sizeDiff: out.sessionSize / N * K });
  assert.deepEqual(censusJson(file, ['--compare-to', 'first']).growth.from.label, 'empty');
  assert.deepEqual(censusJson(file, ['--compare-to', 'previous']).growth.from.label, 'before');
  const text = cli(['census', file, '--compare-to', 'previous', '--top', '1']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^Growth from census "before" at .* to "after" at .*\n\s*count\s+\+count\s+size\s+\+size\s+kind\n\s*1250\s+\+250\s+.*Session \(object\)\n$/);
  const bad = cli(['census', file, '--compare-to', 'nope']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no census labelled "nope"/);

  // The other commands read a trace with censuses as before.
  const info = cli(['info', file, '--json']);
  assert.equal(info.status, 0, info.stderr);
  assert.equal(JSON.parse(info.stdout).trailer, true);
  const report = cli(['report', file, '--json']);
  assert.equal(report.status, 0, report.stderr);
  assert.deepEqual(warnings(report.stderr), []);
});

function startApp(env) {
  const child = spawn(process.execPath, ['--require', REGISTER, path.join(FIXTURES, 'census-app.js'), String(N), String(M)], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const ready = new Promise((resolve, reject) => {
    const check = () => {
      const app = /app (\d+)/.exec(stdout);
      const admin = /alloctrace: admin endpoint on (http:\/\/\S+)/.exec(stderr);
      if (app && admin) resolve({ port: Number(app[1]), admin: admin[1] });
    };
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; check(); });
    child.stderr.on('data', check);
    child.on('exit', (code) => reject(new Error(`app exited ${code}: ${stderr}`)));
  });
  return { child, ready, stderr: () => stderr };
}

async function call(admin, route, { headers = AUTH, query = '' } = {}) {
  const res = await fetch(`${admin}/${route}${query}`, { headers });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, text, json, retryAfter: res.headers.get('retry-after') };
}

test('GET /census and /growth on the admin endpoint; the marker signal takes a census too', async () => {
  const file = path.join(tempDir(), 'census-app.atrace');
  const app = startApp({
    ALLOCTRACE_FILE: file, ALLOCTRACE_HTTP: '127.0.0.1:0', ALLOCTRACE_HTTP_TOKEN: TOKEN, ALLOCTRACE_HTTP_GC_LIMIT: '0',
    ALLOCTRACE_SIGNAL: 'SIGUSR2', ALLOCTRACE_CENSUS_ON_SIGNAL: '1',
  });
  try {
    const { port, admin } = await app.ready;
    assert.equal((await call(admin, 'census', { headers: {} })).status, 401);
    assert.equal((await call(admin, 'growth', { query: '?group=1' })).status, 400);

    // The first /growth has nothing to compare with: it takes the baseline and says so.
    const first = await call(admin, 'growth', { query: '?limit=5' });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.baseline, true);
    assert.equal(first.json.growth, null);
    assert.equal(first.json.census.label, 'http-growth');
    assert.equal(first.json.census.top.length, 5);

    await fetch(`http://127.0.0.1:${port}/add?k=${K}`).then((r) => r.text());
    const grown = await call(admin, 'growth', { query: '?limit=5' });
    assert.equal(grown.status, 200, grown.text);
    assert.equal(grown.json.baseline, false);
    assert.equal(grown.json.gc.status, 'forced');
    assert.deepEqual(grown.json.growth.grown[0], { type: 'object', name: 'Session', count: N + K, size: grown.json.growth.grown[0].size, countDiff: K, sizeDiff: grown.json.growth.grown[0].sizeDiff });
    assert.ok(grown.json.growth.grown[0].sizeDiff > 0);

    // Text form: the growth since the previous /growth, objgraph's way.
    await fetch(`http://127.0.0.1:${port}/add?k=${K}`).then((r) => r.text());
    const text = await call(admin, 'growth', { headers: { ...AUTH, accept: 'text/plain' }, query: '?limit=3' });
    assert.equal(text.status, 200);
    assert.match(text.text, /^Growth from census "http-growth" at .* to "http-growth" at .*\n\s*count\s+\+count\s+size\s+\+size\s+kind\n\s*1500\s+\+250\s+.*Session \(object\)\n/);

    const census = await call(admin, 'census', { query: '?limit=1000' });
    assert.equal(census.status, 200, census.text);
    assert.equal(census.json.census.label, 'http');
    assert.equal(census.json.census.top.find((e) => e.type === 'object' && e.name === 'Session').count, N + 2 * K);
    const censusText = await call(admin, 'census', { headers: { ...AUTH, accept: 'text/plain' }, query: '?limit=2&gc=0' });
    assert.match(censusText.text, /^census "http" at .*, without a forced GC \(paused the app .*\): \d+ objects, .* shallow in \d+ kinds; the 2 largest by shallow size:\ncount\s+size\s+kind\n.*\n.*\n$/);

    // The marker signal: a marker, then a census labelled with its name, in the trace.
    app.child.kill('SIGUSR2');
    let labels = [];
    for (let i = 0; i < 100 && !labels.includes('SIGUSR2-1'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      labels = censusJson(file).censuses.map((c) => c.label);
    }
    assert.deepEqual(labels, ['http-growth', 'http-growth', 'http-growth', 'http', 'http', 'SIGUSR2-1']);
    const offline = censusJson(file, ['--compare-to', 'http', '--top', '1000']);
    assert.equal(offline.growth.from.label, 'http');
    assert.equal(offline.censuses.at(-1).top.find((e) => e.type === 'object' && e.name === 'Session').count, N + 2 * K);
    assert.deepEqual(warnings(app.stderr()).filter((w) => !/admin endpoint on/.test(w)), []);
  } finally {
    app.child.kill();
  }
});

test('the admin endpoint refuses a census while the heap walk budget is spent (503, Retry-After)', async () => {
  const app = startApp({ ALLOCTRACE_FILE: path.join(tempDir(), 'limited.atrace'), ALLOCTRACE_HTTP: '127.0.0.1:0', ALLOCTRACE_HTTP_TOKEN: TOKEN });
  try {
    const { admin } = await app.ready;
    // One at a time, a burst of walks is allowed; then each must wait for the budget.
    const statuses = [];
    let refused;
    for (let i = 0; i < 6 && refused === undefined; i++) {
      const r = await call(admin, 'census', { query: '?limit=1' });
      statuses.push(r.status);
      if (r.status === 503) refused = r;
    }
    assert.ok(refused, `statuses: ${statuses}`);
    assert.equal(statuses[0], 200);
    assert.match(refused.json.error, /^busy: a census walks the whole heap/);
    assert.ok(Number(refused.retryAfter) >= 1);
  } finally {
    app.child.kill();
  }
});
