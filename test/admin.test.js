'use strict';
// The live admin endpoint with real requests on loopback, for the preload's
// own server and for node:http, Express, Fastify and Koa apps.
const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { FIXTURES, REGISTER, tempDir, warnings } = require('./helpers');

const TOKEN = 'test-token-123';
const AUTH = { authorization: `Bearer ${TOKEN}` };

function startApp(framework, { preload = false, env = {} } = {}) {
  const args = preload ? ['--require', REGISTER] : [];
  const child = spawn(process.execPath, [...args, path.join(FIXTURES, 'admin-app.js'), framework], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stderr.on('data', (d) => { stderr += d; });
  child.on('exit', () => { exited = true; });
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /app (\d+) admin (\S+)/.exec(stdout);
      if (!m) return;
      if (m[2] !== 'from-stderr') return resolve({ port: Number(m[1]), admin: m[2] });
      const wait = () => {
        const a = /alloctrace: admin endpoint on (http:\/\/\S+)/.exec(stderr);
        if (a) resolve({ port: Number(m[1]), admin: a[1] });
        else if (!exited) setTimeout(wait, 20);
      };
      wait();
    });
    child.on('exit', (code) => reject(new Error(`app exited ${code}: ${stderr}`)));
  });
  return { child, ready, stderr: () => stderr };
}

async function call(base, route, { method = 'GET', headers = AUTH, query = '' } = {}) {
  const res = await fetch(`${base}/${route}${query}`, { method, headers });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, type: res.headers.get('content-type'), text, json };
}

async function load(port, appPath, n) {
  for (let i = 0; i < n; i += 10) {
    await Promise.all(Array.from({ length: 10 }, () => fetch(`http://127.0.0.1:${port}${appPath}`).then((r) => r.text())));
  }
}

/** Forced GCs are rate-limited: wait as long as the last answer says, so the next gc=1 gets its own GC. */
function untilGcAllowed(reply) {
  return new Promise((resolve) => setTimeout(resolve, reply.json.gc.nextGcInMs));
}

/**
 * The leak's entry among the top ones: cacheResult is the app's only growing
 * site, but a framework's own bookkeeping sampled in the same window may
 * outrank it now and then (seen: processTicksAndRejections with Express).
 */
function leakEntry(report) {
  return report.stats.find((s) => s.frames.length > 0 && s.frames[0].function === 'cacheResult');
}

async function exercise(framework, appPath, { preload }) {
  const dir = tempDir();
  const app = startApp(framework, {
    preload,
    env: preload ? {
      ALLOCTRACE_HTTP: '127.0.0.1:0', ALLOCTRACE_HTTP_TOKEN: TOKEN, ALLOCTRACE_INTERVAL: '16k', ALLOCTRACE_PRECISE: '1',
      ALLOCTRACE_FILE: path.join(dir, 'live.atrace'),
    } : {},
  });
  try {
    const { port, admin } = await app.ready;
    // No token, a wrong one, a malformed header: 401 and nothing more.
    for (const headers of [{}, { authorization: 'Bearer wrong-token-123' }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const r = await call(admin, 'top', { headers });
      assert.strictEqual(r.status, 401);
      assert.deepStrictEqual(r.json, { error: 'unauthorized' });
    }
    assert.strictEqual((await call(admin, 'diff')).status, 409, 'no baseline yet');
    // Warm up first, as one would: lazily loaded modules are not the leak.
    await load(port, appPath, 50);
    const baseline = await call(admin, 'baseline', { method: 'POST' });
    assert.strictEqual(baseline.status, 200);
    assert.strictEqual(baseline.json.gc.status, 'forced');

    // Load, with admin calls running concurrently with it.
    const during = Promise.all([call(admin, 'top', { query: '?limit=5' }), call(admin, 'timeline'), call(admin, 'top', { query: '?groupBy=traceback&limit=2' })]);
    await load(port, appPath, 400);
    for (const r of await during) assert.strictEqual(r.status, 200, r.text);

    await untilGcAllowed(baseline);
    const diff = await call(admin, 'diff', { query: '?groupBy=function&limit=5&gc=1' });
    assert.strictEqual(diff.status, 200, diff.text);
    assert.strictEqual(diff.json.gc.status, 'forced');
    const leak = leakEntry(diff.json.sinceBaseline);
    assert.ok(leak, diff.text);
    assert.ok(leak.sizeDiff > 100e3, diff.text);
    assert.ok(diff.json.sinceBaseline.stats.indexOf(leak) < 2, diff.text);
    assert.strictEqual(diff.json.sinceBaseline.compareTo.when, 'the baseline');

    await load(port, appPath, 200);
    await untilGcAllowed(diff);
    const again = await call(admin, 'diff', { query: '?groupBy=function&limit=5&gc=1' });
    assert.strictEqual(again.json.gc.status, 'forced');
    assert.ok(leakEntry(again.json.sinceLast), again.text);
    // Since the previous /diff: only the last 200 requests' growth.
    assert.ok(leakEntry(again.json.sinceLast).sizeDiff < leakEntry(again.json.sinceBaseline).sizeDiff);

    const text = await call(admin, 'diff', { headers: { ...AUTH, accept: 'text/plain' }, query: '?groupBy=function&limit=3&gc=1' });
    assert.strictEqual(text.status, 200);
    assert.match(text.type, /^text\/plain/);
    assert.match(text.text, /^Since the previous \/diff:\nTop 3 functions, live at now/);
    assert.match(text.text, /Since the baseline:\nTop 3 functions, live at now \([^)]*\), compared to the baseline/);
    assert.match(text.text, /#1: test\/fixtures\/admin-app\.js:\d+:\d+ \(cacheResult\): [\d.]+ KiB \(\+/);

    // Odd and huge values: clear 400s.
    for (const [query, message] of [
      ['?limit=0', /limit must be/], ['?limit=99999999999999999999', /limit must be/], ['?limit=1e3', /limit must be/],
      ['?groupBy=line', /groupBy must be one of/], ['?gc=maybe', /gc must be 1 or 0/], ['?limit=5&limit=6', /given twice/],
      ['?nope=1', /unknown parameter/], [`?groupBy=${'x'.repeat(3000)}`, /groupBy must be one of/],
      ['?groupBy=traceback&cumulative=1', /cumulative does not apply/],
    ]) {
      const r = await call(admin, 'top', { query });
      assert.strictEqual(r.status, 400, `${query}: ${r.text}`);
      assert.match(r.json.error, message);
    }
    assert.strictEqual((await call(admin, 'top', { query: `?groupBy=${'x'.repeat(5000)}` })).status, 414);
    assert.strictEqual((await call(admin, 'mark', { method: 'POST', query: '?name=bad name!' })).status, 400);
    assert.strictEqual((await call(admin, 'top', { method: 'POST' })).status, 405);

    const mark = await call(admin, 'mark', { method: 'POST', query: '?name=after-load' });
    assert.strictEqual(mark.json.marked, 'after-load');
    // Three forced GCs in a row used the burst: this one runs only if a new one was earned since.
    assert.match(mark.json.gc.status, /^(forced|skipped)$/);
    assert.deepStrictEqual((await call(admin, 'stop', { method: 'POST' })).json, { tracing: false, precise: { on: true, until: null } },
      'precise mode on from the start stays on');
    assert.strictEqual((await call(admin, 'top')).status, 409);
    const restarted = await call(admin, 'start', { method: 'POST' });
    assert.strictEqual(restarted.status, 200, restarted.text);
    assert.strictEqual(restarted.json.tracing, true);
    const timeline = await call(admin, 'timeline');
    assert.ok(Array.isArray(timeline.json.points));
    // The app's own routes still work.
    assert.strictEqual((await fetch(`http://127.0.0.1:${port}${appPath}`)).status, 200);
    assert.deepStrictEqual(warnings(app.stderr()).filter((w) => !/admin endpoint on/.test(w)), []);
  } finally {
    app.child.kill();
  }
}

test('preload: ALLOCTRACE_HTTP serves the endpoint on a free port and announces it', () => exercise('preload', '/', { preload: true }));
test('node:http app with adminHandler under a prefix', () => exercise('http', '/work', { preload: false }));
test('Express: app.use(path, adminHandler)', () => exercise('express', '/work', { preload: false }));
test('Fastify: register(fastifyAdmin) with a prefix', () => exercise('fastify', '/work', { preload: false }));
test('Koa: app.use(koaAdmin) with a prefix', () => exercise('koa', '/work', { preload: false }));

test('ALLOCTRACE_HTTP without a token: one warning, no endpoint, tracing and the app go on', async () => {
  const app = startApp('preload', { preload: true, env: { ALLOCTRACE_HTTP: '127.0.0.1:0', ALLOCTRACE_FILE: path.join(tempDir(), 't.atrace') } });
  const ready = await Promise.race([app.ready.then(() => 'admin'), new Promise((r) => setTimeout(() => r('none'), 1500))]);
  app.child.kill();
  assert.strictEqual(ready, 'none');
  const w = warnings(app.stderr());
  assert.strictEqual(w.length, 1, app.stderr());
  assert.match(w[0], /needs ALLOCTRACE_HTTP_TOKEN/);
});
