'use strict';
// The admin endpoint's baseline → diff on a service whose leaking function
// is hot and inlined (test/fixtures/precise-service.js: TurboFan is made to
// compile the caller with the leak inlined, by %-natives, before any
// request). By default the leak is charged to the caller; /baseline switches
// precise mode on (deoptimizing the caller), and /diff then names the leaking
// function and says its window was exact; precise mode goes back off by
// itself after preciseFor, or at /stop. (Throughput once it is off: bench/.)
const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { FIXTURES, REGISTER, tempDir, infoJson, warnings } = require('./helpers');

const TOKEN = 'test-token-123';
const AUTH = { authorization: `Bearer ${TOKEN}` };

function startService(env) {
  const child = spawn(process.execPath, ['--allow-natives-syntax', '--require', REGISTER, path.join(FIXTURES, 'precise-service.js')], {
    // Every gc=1 here must run its GC: the rate limit (tested in admin-gate and admin-load) is off.
    env: { ...process.env, ALLOCTRACE_HTTP: '127.0.0.1:0', ALLOCTRACE_HTTP_TOKEN: TOKEN, ALLOCTRACE_INTERVAL: '8k', ALLOCTRACE_HTTP_GC_LIMIT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.on('data', (d) => { stdout += d; });
  const ready = new Promise((resolve, reject) => {
    const look = () => {
      const app = /app (\d+) (\w+)/.exec(stdout);
      const admin = /alloctrace: admin endpoint on (http:\/\/\S+)/.exec(stderr);
      if (app && admin) resolve({ port: Number(app[1]), compiled: app[2], admin: admin[1] });
      else setTimeout(look, 20);
    };
    look();
    child.on('exit', (code) => reject(new Error(`service exited ${code}: ${stderr}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { child, ready, exited, stderr: () => stderr };
}

async function call(base, route, { method = 'GET', query = '', text = false } = {}) {
  const headers = text ? { ...AUTH, accept: 'text/plain' } : AUTH;
  const res = await fetch(`${base}/${route}${query}`, { method, headers });
  const body = await res.text();
  assert.strictEqual(res.status, 200, `${method} /${route}${query}: ${body}`);
  return text ? body : JSON.parse(body);
}

async function get(port, route) {
  return (await fetch(`http://127.0.0.1:${port}${route}`)).text();
}

async function load(port, n) {
  for (let i = 0; i < n; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => get(port, `/r${i + k}`)));
}

/** The first entry keyed by a frame of the service's own file. */
function topServiceFunction(report) {
  const s = report.stats.find((e) => e.frames[0] && e.frames[0].file.endsWith('precise-service.js') && e.sizeDiff > 0);
  return s ? s.frames[0].function : null;
}

test('baseline → diff on an inlined leak: charged to the caller by default, to the leaking function once /baseline switched precise mode on', async () => {
  const file = path.join(tempDir(), 'service.atrace');
  const app = startService({ ALLOCTRACE_FILE: file });
  try {
    const { port, compiled, admin } = await app.ready;
    assert.strictEqual(compiled, 'turbofan');

    // Default mode: the leak is inlined into `handle`, which gets the charge.
    const off = await call(admin, 'baseline', { method: 'POST', query: '?precise=0' });
    assert.deepStrictEqual(off.precise, { on: false, until: null });
    await load(port, 1500);
    assert.strictEqual(await get(port, '/tier'), 'turbofan', 'handle stayed optimized throughout');
    const inlined = await call(admin, 'diff', { query: '?groupBy=function&limit=10&gc=1' });
    assert.strictEqual(topServiceFunction(inlined.sinceBaseline), 'handle');
    assert.ok(!inlined.sinceBaseline.stats.some((s) => s.frames[0]?.function === 'rememberRequest' && s.sizeDiff > 0));
    assert.deepStrictEqual(inlined.sinceBaseline.precise.exact, false);
    assert.ok(inlined.sinceBaseline.warnings.some((w) => /inlined.*all of the .* allocated since the baseline/.test(w)),
      inlined.sinceBaseline.warnings.join('\n'));

    // /baseline switches precise mode on (for 10 minutes by default): `handle` is deoptimized.
    const on = await call(admin, 'baseline', { method: 'POST' });
    assert.strictEqual(on.precise.on, true);
    assert.strictEqual(on.precise.changed, true);
    assert.strictEqual(typeof on.precise.pauseMs, 'number');
    const untilMs = Date.parse(on.precise.until) - Date.now();
    assert.ok(untilMs > 9 * 60e3 && untilMs <= 10 * 60e3, `precise until ${on.precise.until}`);
    assert.strictEqual(await get(port, '/tier'), 'unoptimized', 'the switch deoptimized handle');
    // Compiled again under precise mode, the leak stays out of it.
    assert.strictEqual(await get(port, '/optimize'), 'turbofan');
    await load(port, 1500);
    assert.strictEqual(await get(port, '/tier'), 'turbofan');
    const exact = await call(admin, 'diff', { query: '?groupBy=function&limit=10&gc=1' });
    assert.strictEqual(topServiceFunction(exact.sinceBaseline), 'rememberRequest');
    assert.strictEqual(exact.sinceBaseline.stats[0].frames[0].function, 'rememberRequest', 'the leak tops the diff');
    assert.strictEqual(exact.sinceBaseline.precise.exact, true);
    assert.strictEqual(exact.sinceBaseline.precise.inlinedSize, 0);
    assert.ok(!exact.sinceBaseline.warnings.some((w) => /inlin/.test(w)));
    const text = await call(admin, 'diff', { query: '?groupBy=function&limit=3&gc=1', text: true });
    assert.match(text, /Since the baseline:\n[^]*\nExact: every allocation in this window was made in precise mode/);
    // hide= works on the live queries too.
    const hidden = await call(admin, 'top', { query: '?groupBy=traceback&limit=50&hide=node:*&hide=*/dist/*' });
    assert.ok(hidden.stats.length > 0);
    assert.ok(hidden.stats.every((s) => s.frames.every((f) => !f.file.startsWith('node:'))));

    // Switched off: the next window holds allocations made with inlining on, and says how much.
    const offAgain = await call(admin, 'precise', { method: 'POST', query: '?on=0' });
    assert.deepStrictEqual({ ...offAgain.precise, pauseMs: 0 }, { on: false, until: null, changed: true, pauseMs: 0 });
    await load(port, 600);
    const mixed = await call(admin, 'diff', { query: '?groupBy=function&limit=5&gc=1' });
    assert.strictEqual(mixed.sinceBaseline.precise.exact, false);
    assert.ok(mixed.sinceBaseline.precise.inlinedSize < mixed.sinceBaseline.precise.windowSize);
    assert.ok(mixed.sinceBaseline.warnings.some((w) => /inlined.* \(\d+ %\) was allocated with inlining on/.test(w)),
      mixed.sinceBaseline.warnings.join('\n'));

    // A temporary precise mode ends by itself...
    const short = await call(admin, 'baseline', { method: 'POST', query: '?preciseFor=1s' });
    assert.strictEqual(short.precise.on, true);
    const deadline = Date.now() + 30000;
    let state;
    do {
      await new Promise((r) => setTimeout(r, 100));
      state = (await call(admin, 'precise')).precise;
    } while (state.on && Date.now() < deadline);
    assert.deepStrictEqual(state, { on: false, until: null });
    // ...or at /stop; precise=0 leaves it off.
    assert.strictEqual((await call(admin, 'baseline', { method: 'POST' })).precise.on, true);
    const stopped = await call(admin, 'stop', { method: 'POST' });
    assert.strictEqual(stopped.precise.on, false);
    assert.strictEqual(stopped.precise.changed, true);
    assert.deepStrictEqual((await call(admin, 'precise')).precise, { on: false, until: null });
    await call(admin, 'start', { method: 'POST' });
    assert.deepStrictEqual((await call(admin, 'baseline', { method: 'POST', query: '?precise=0' })).precise, { on: false, until: null });

    // Odd values: clear 400s.
    for (const [route, method, query, message] of [
      ['precise', 'POST', '', /needs on=1 or on=0/], ['precise', 'POST', '?on=yes', /on must be 1 or 0/],
      ['baseline', 'POST', '?preciseFor=0', /preciseFor must be a duration/], ['baseline', 'POST', '?preciseFor=2d', /preciseFor/],
      ['baseline', 'POST', '?precise=2', /precise must be 1 or 0/], ['top', 'GET', `?hide=${'x'.repeat(201)}`, /hide must be/],
    ]) {
      const res = await fetch(`${admin}/${route}${query}`, { method, headers: AUTH });
      assert.strictEqual(res.status, 400, `${route}${query}`);
      assert.match((await res.json()).error, message);
    }
    app.child.kill();
    await app.exited;
    const switches = infoJson(file).markers.map((m) => m.name).filter((m) => m.startsWith('precise-'));
    assert.deepStrictEqual(switches, ['precise-on', 'precise-off', 'precise-on', 'precise-off', 'precise-on', 'precise-off']);
    const w = warnings(app.stderr()).filter((l) => !/admin endpoint on/.test(l));
    assert.deepStrictEqual(w.map((l) => l.replace(/[\d.]+ ms/, 'N ms')),
      ['alloctrace: precise mode off: its temporary period ended (the switch paused the app N ms)']);
  } finally {
    app.child.kill();
  }
});
