'use strict';
// Where the preload's admin endpoint listens: a port the app wants (whoever
// asks first), a port another process holds, unix sockets, and the token rule
// for addresses other hosts can reach. In every case the app keeps running,
// keeps its port, and tracing goes on.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawnApp, tempDir, warnings, infoJson } = require('./helpers');

const TOKEN = 'test-token-123';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Runs fixtures/admin-bind-app.js (it listens on `wanted`, see there for `mode`)
 * with ALLOCTRACE_HTTP=`adminAt`; `during(app, port)` runs while it serves.
 * Then asks the app to exit and returns its warnings and trace info.
 */
async function bindApp({ wanted, mode, adminAt, token = TOKEN, during = async () => {} }) {
  const file = path.join(tempDir(), 'bind.atrace');
  const app = spawnApp('admin-bind-app.js', {
    args: [String(wanted), mode],
    env: { ALLOCTRACE_HTTP: adminAt, ALLOCTRACE_HTTP_TOKEN: token, ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '4k' },
  });
  try {
    const port = Number((await app.waitFor('stdout', /app (\d+)/))[1]);
    for (let i = 0; i < 20; i++) assert.strictEqual(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'app');
    await during(app, port);
    await fetch(`http://127.0.0.1:${port}/exit`).then((r) => r.text());
    assert.strictEqual(await app.exited, 0, app.stderr());
    return { port, warnings: warnings(app.stderr()), stderr: app.stderr(), info: infoJson(file) };
  } finally {
    app.child.kill('SIGKILL');
  }
}

function assertTraced(info) {
  assert.strictEqual(info.trailer, true, 'the trace was finished at exit');
  assert.ok(info.allocs > 0, 'and has allocations');
}

for (const [mode, how] of [['start', 'while its main module runs'], ['localhost', 'on localhost (a lookup first)']]) {
  test(`the app listens on ALLOCTRACE_HTTP's port ${how}: it gets the port, one warning, tracing goes on`, async () => {
    const wanted = await freePort();
    const r = await bindApp({ wanted, mode, adminAt: `127.0.0.1:${wanted}` });
    assert.strictEqual(r.port, wanted);
    assert.strictEqual(r.warnings.length, 1, r.stderr);
    assert.match(r.warnings[0], new RegExp(`the app listens on 127\\.0\\.0\\.1:${wanted} itself: the admin endpoint let go of it and is off .*tracing and the app go on`));
    assertTraced(r.info);
  });
}

test('the endpoint listens first and the app asks for that port later: the endpoint lets go, the app gets it', async () => {
  const wanted = await freePort();
  // The app listens only once something answers on its port: the admin endpoint.
  const r = await bindApp({ wanted, mode: 'later', adminAt: `127.0.0.1:${wanted}` });
  assert.strictEqual(r.port, wanted);
  assert.strictEqual(r.warnings.length, 2, r.stderr);
  assert.strictEqual(r.warnings[0], `alloctrace: admin endpoint on http://127.0.0.1:${wanted}`);
  assert.match(r.warnings[1], /the app listens on .* itself: the admin endpoint let go of it and is off/);
  assertTraced(r.info);
});

test('a port another process holds: one warning, no endpoint, the app and tracing go on', async () => {
  const holder = net.createServer();
  await new Promise((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const held = holder.address().port;
  try {
    const r = await bindApp({ wanted: 0, mode: 'start', adminAt: `127.0.0.1:${held}` });
    assert.strictEqual(r.warnings.length, 1, r.stderr);
    assert.match(r.warnings[0], new RegExp(`the admin endpoint cannot listen on 127\\.0\\.0\\.1:${held} \\(listen EADDRINUSE.*\\); it is off, tracing and the app go on`));
    assertTraced(r.info);
  } finally {
    holder.close();
  }
});

for (const [host, message] of [
  ['0.0.0.0', (port) => `ALLOCTRACE_HTTP=0.0.0.0:${port} would be reachable from other hosts without ALLOCTRACE_HTTP_TOKEN (8 characters or more): refused`],
  ['127.0.0.1', () => 'ALLOCTRACE_HTTP needs ALLOCTRACE_HTTP_TOKEN (8 characters or more)'],
]) {
  test(`no token, ${host}: the endpoint is refused in one line (it never runs without one), tracing goes on`, async () => {
    const wanted = await freePort();
    const refused = (port) => new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(false); });
      s.on('error', (err) => resolve(err.code === 'ECONNREFUSED'));
    });
    const r = await bindApp({ wanted: 0, mode: 'start', adminAt: `${host}:${wanted}`, token: '',
      during: async () => assert.ok(await refused(wanted), 'nothing listens there') });
    assert.deepStrictEqual(r.warnings, [`alloctrace: ${message(wanted)}; the admin endpoint is off, tracing goes on`]);
    assertTraced(r.info);
  });
}

/** GET /top on the unix socket with the token: the status. */
function topOverSocket(socketPath) {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath, () => s.end(`GET /top?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`));
    let answer = '';
    s.setEncoding('utf8').on('data', (d) => { answer += d; });
    s.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(answer)[1])));
    s.on('error', reject);
  });
}

test('unix:/path: a 0600 socket that answers, removed at exit', async () => {
  const socketPath = path.join(tempDir(), 'admin.sock');
  const r = await bindApp({
    wanted: 0, mode: 'start', adminAt: `unix:${socketPath}`,
    during: async (app) => {
      await app.waitFor('stderr', /admin endpoint on unix:/);
      const st = fs.lstatSync(socketPath);
      assert.ok(st.isSocket());
      assert.strictEqual(st.mode & 0o777, 0o600);
      assert.strictEqual(await topOverSocket(socketPath), 200);
      assert.deepStrictEqual(fs.readdirSync(path.dirname(socketPath)).filter((f) => f !== 'bind.atrace').sort(), ['admin.sock'],
        'no private directory left behind');
    },
  });
  assert.deepStrictEqual(r.warnings, [`alloctrace: admin endpoint on unix:${socketPath}`]);
  assert.strictEqual(fs.existsSync(socketPath), false, 'removed at exit');
  assertTraced(r.info);
});

test('unix:/path never replaces a file, never follows a symlink, never takes a live socket; a dead one\'s socket is replaced', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'precious');
  fs.writeFileSync(file, 'keep me');
  const link = path.join(dir, 'link.sock');
  fs.symlinkSync(path.join(dir, 'target'), link);
  const live = path.join(dir, 'live.sock');
  const other = net.createServer().listen(live);
  await new Promise((resolve) => other.once('listening', resolve));
  try {
    for (const [at, why] of [[file, 'exists and is not a socket: not replaced'], [link, 'is a symbolic link: not followed, not replaced'],
      [live, 'another process listens on']]) {
      const r = await bindApp({ wanted: 0, mode: 'start', adminAt: `unix:${at}` });
      assert.strictEqual(r.warnings.length, 1, r.stderr);
      assert.ok(r.warnings[0].includes(why), r.warnings[0]);
      assert.match(r.warnings[0], /; it is off, tracing and the app go on$/);
      assertTraced(r.info);
    }
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'keep me');
    assert.strictEqual(fs.readlinkSync(link), path.join(dir, 'target'));
    assert.strictEqual(fs.existsSync(path.join(dir, 'target')), false);
    assert.ok(fs.lstatSync(live).isSocket(), 'the other process keeps its socket');
  } finally {
    other.close();
  }
  // A socket nobody listens on (its process died) is replaced.
  const stale = path.join(dir, 'stale.sock');
  const dead = net.createServer().listen(stale);
  await new Promise((resolve) => dead.once('listening', resolve));
  fs.linkSync(stale, path.join(dir, 'stale-copy.sock')); // closing the server removes its own name
  dead.close();
  fs.renameSync(path.join(dir, 'stale-copy.sock'), stale);
  assert.ok(fs.lstatSync(stale).isSocket());
  const r = await bindApp({ wanted: 0, mode: 'start', adminAt: `unix:${stale}`,
    during: async (app) => {
      await app.waitFor('stderr', /admin endpoint on unix:/);
      assert.strictEqual(await topOverSocket(stale), 200);
    } });
  assert.deepStrictEqual(r.warnings, [`alloctrace: admin endpoint on unix:${stale}`]);
});
