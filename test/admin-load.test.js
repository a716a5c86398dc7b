'use strict';
// The admin endpoint under a flood, with real requests on loopback. Each
// request has its own keep-alive connection, opened (and accepted by the app)
// beforehand; the app is stopped (SIGSTOP) while every request is written,
// then continued: all of them reach it in the same turn of its event loop, so
// what the gate does with them does not depend on timing. (New connections
// would not: Node accepts one per turn.)
const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const path = require('node:path');
const { spawnApp, tempDir, warnings } = require('./helpers');

const TOKEN = 'test-token-123';
const MAX_WAITING = 8; // README: at most 8 distinct admin requests wait their turn
const BURST = 3; // README: at most 3 forced GCs in a row, then one per 5 s
const REFILL_MS = 5000;

let seq = 0;
/** A request; `flushed` once the kernel has it, `done` with the answer and its arrival order. */
function send(base, route, { method = 'GET', auth = true, agent = false } = {}) {
  const url = new URL(route, base);
  const req = http.request(url, { method, agent, headers: auth ? { authorization: `Bearer ${TOKEN}` } : {} });
  const flushed = new Promise((resolve, reject) => { req.on('finish', resolve); req.on('error', reject); });
  const done = new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { body += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(body); } catch { json = undefined; }
        resolve({ route, status: res.statusCode, headers: res.headers, body, json, seq: seq++ });
      });
    });
    req.on('error', reject);
  });
  req.end();
  return { flushed, done };
}

/** `n` keep-alive connections to `base`, each used once (a 401: no work for the app) so the app has accepted it. */
async function connections(base, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n, maxFreeSockets: n });
  const warm = await Promise.all(Array.from({ length: n }, () => send(base, '/top', { auth: false, agent }).done));
  assert.ok(warm.every((r) => r.status === 401 || r.status === 200));
  assert.strictEqual(Object.values(agent.freeSockets).flat().length, n);
  return agent;
}

/** Sends the requests while the app is stopped; continues it once the kernel holds them all. */
async function whileStopped(app, makeRequests) {
  process.kill(app.child.pid, 'SIGSTOP');
  let requests;
  try {
    requests = makeRequests();
    await Promise.all(requests.map((r) => r.flushed));
  } finally {
    process.kill(app.child.pid, 'SIGCONT');
  }
  return Promise.all(requests.map((r) => r.done));
}

test('200 concurrent GET /top?gc=1: one snapshot for identical requests, 8 waiting at most, 503s with Retry-After, few forced GCs, the app answers meanwhile', async () => {
  const app = spawnApp('admin-app.js', {
    args: ['preload'],
    env: {
      ALLOCTRACE_HTTP: '127.0.0.1:0', ALLOCTRACE_HTTP_TOKEN: TOKEN, ALLOCTRACE_INTERVAL: '16k',
      ALLOCTRACE_FILE: path.join(tempDir(), 'load.atrace'),
    },
  });
  try {
    const port = Number((await app.waitFor('stdout', /app (\d+)/))[1]);
    const admin = (await app.waitFor('stderr', /admin endpoint on (http:\/\/\S+)/))[1];
    const appBase = `http://127.0.0.1:${port}`;
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) assert.strictEqual((await send(appBase, '/').done).status, 200);

    // 200 identical requests: one job, one answer for all (the same bytes).
    let agent = await connections(admin, 200);
    const same = await whileStopped(app, () => Array.from({ length: 200 }, () => send(admin, '/top?gc=1&limit=3', { agent })));
    agent.destroy();
    assert.deepStrictEqual([...new Set(same.map((r) => r.status))], [200]);
    assert.strictEqual(new Set(same.map((r) => r.body)).size, 1, 'one snapshot answered all of them');
    const first = same[0].json;
    assert.strictEqual(first.gc.status, 'forced');
    assert.strictEqual(first.gc.forcedGcs, 1);
    assert.ok(first.stats.length > 0 && first.total.samples > 0, same[0].body);

    // 200 distinct requests (and a few of the app's own): 8 wait their turn, the rest are told to come back.
    agent = await connections(admin, 200);
    const appAgent = await connections(appBase, 5);
    const mixed = await whileStopped(app, () => [
      ...Array.from({ length: 200 }, (_, i) => send(admin, `/top?gc=1&limit=${i + 1}`, { agent })),
      ...Array.from({ length: 5 }, () => send(appBase, '/', { agent: appAgent })),
    ]);
    agent.destroy();
    appAgent.destroy();
    const answered = mixed.filter((r) => r.route.startsWith('/top') && r.status === 200);
    const busy = mixed.filter((r) => r.status === 503);
    assert.strictEqual(answered.length, MAX_WAITING);
    assert.strictEqual(busy.length, 200 - MAX_WAITING);
    for (const r of busy) {
      assert.strictEqual(r.headers['retry-after'], '1');
      assert.match(r.json.error, /^busy: 8 admin requests are waiting/);
    }
    // The last of the queue runs on its own: a fresh snapshot without GC once the limit refuses one.
    for (const r of answered) assert.match(r.json.gc.status, /^(forced|reused|skipped)$/, r.body);
    // The app's own requests were answered before the admin jobs were done:
    // each job has its own turn of the event loop, after the app's I/O.
    const apps = mixed.filter((r) => r.route === '/');
    assert.deepStrictEqual(apps.map((r) => r.status), [200, 200, 200, 200, 200]);
    const lastAdmin = Math.max(...answered.map((r) => r.seq));
    for (const r of apps) assert.ok(r.seq < lastAdmin, 'an app answer came only after every admin answer');

    // Forced GCs: a burst, then at most one per REFILL_MS, however many were asked for (400 here).
    const elapsed = Date.now() - t0;
    const forced = Math.max(...answered.map((r) => r.json.gc.forcedGcs));
    assert.ok(forced <= BURST + 1 + Math.floor(elapsed / REFILL_MS), `${forced} forced GCs in ${elapsed} ms`);
    // A reused answer is the snapshot of a forced GC (the same moment), not a new one.
    const forcedAt = new Set([first, ...answered.map((r) => r.json)].filter((j) => j.gc.status === 'forced').map((j) => j.at.timeNs));
    for (const r of answered.filter((a) => a.json.gc.status === 'reused')) {
      assert.ok(forcedAt.has(r.json.at.timeNs), r.body);
      assert.ok(r.json.gc.ageMs >= 0 && r.json.gc.nextGcInMs > 0, r.body);
    }

    // And the endpoint is usable again once the flood is over.
    const after = await send(admin, '/top?limit=1').done;
    assert.strictEqual(after.status, 200);
    assert.strictEqual(after.json.gc.status, 'off');
    assert.deepStrictEqual(warnings(app.stderr()).filter((w) => !/admin endpoint on/.test(w)), []);
  } finally {
    app.child.kill('SIGKILL');
  }
});

test('a flood of POST /mark: markers written for the 8 that waited, forced GCs rate-limited, the rest 503', async () => {
  const app = spawnApp('admin-app.js', {
    args: ['preload'],
    env: {
      ALLOCTRACE_HTTP: '127.0.0.1:0', ALLOCTRACE_HTTP_TOKEN: TOKEN,
      ALLOCTRACE_FILE: path.join(tempDir(), 'marks.atrace'),
    },
  });
  try {
    await app.waitFor('stdout', /app (\d+)/);
    const admin = (await app.waitFor('stderr', /admin endpoint on (http:\/\/\S+)/))[1];
    const t0 = Date.now();
    const agent = await connections(admin, 100);
    const marks = await whileStopped(app, () => Array.from({ length: 100 }, (_, i) => send(admin, `/mark?name=m${i}`, { method: 'POST', agent })));
    agent.destroy();
    const elapsed = Date.now() - t0;
    const written = marks.filter((r) => r.status === 200);
    // The 8 that waited, and at most one more: a job that finishes while the flood is still
    // being read frees its place before the last requests arrive.
    assert.ok(written.length >= MAX_WAITING && written.length <= MAX_WAITING + 1, `${written.length} written`);
    assert.strictEqual(marks.filter((r) => r.status === 503).length, 100 - written.length);
    const forced = written.filter((r) => r.json.gc.status === 'forced').length;
    assert.ok(forced >= 1 && forced <= BURST + 1 + Math.floor(elapsed / REFILL_MS), `${forced} forced GCs in ${elapsed} ms`);
    for (const r of written) assert.match(r.json.gc.status, /^(forced|skipped)$/);
  } finally {
    app.child.kill('SIGKILL');
  }
});
