'use strict';
// The admin endpoint's concurrency control on its own: the gate (one job at a
// time, the event loop's I/O between jobs, identical requests sharing a job, a
// bound on waiting jobs) and the forced-GC limit, on a clock the test drives.
const test = require('node:test');
const assert = require('node:assert');
const net = require('node:net');
const { Gate } = require('../dist/admin/gate');
const { GcLimit, BURST, REFILL_MS, DUTY_FACTOR, CROWD_REFILL_MS, CROWD_DUTY_FACTOR } = require('../dist/admin/gc-limit');

// The gate's gap timer is unref'd (the endpoint never keeps an app alive): this keeps the test process up.
const alive = setInterval(() => {}, 60000);
test.after(() => clearInterval(alive));

/** gate.submit as a promise of the job's value (undefined when refused), and the order answers came in. */
function promising(gate) {
  const answered = [];
  const run = (key, job) => {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    const queued = gate.submit(key, job, (outcome) => {
      answered.push(key);
      if (outcome.ok) resolve(outcome.value);
      else reject(outcome.error);
    });
    return queued ? promise : undefined;
  };
  return { run, answered };
}

test('gate: identical keys share one job; beyond maxWaiting distinct jobs, submit refuses', async () => {
  const { run } = promising(new Gate({ maxWaiting: 3, gapMs: 0, answersPerTurn: 16, answersPerSecond: 1e9 }));
  const runs = [];
  const job = (name) => () => { runs.push(name); return `${name}-answer`; };
  const a1 = run('a', job('a'));
  const a2 = run('a', job('a-again'));
  const b = run('b', job('b'));
  const c = run('c', job('c'));
  assert.strictEqual(run('d', job('d')), undefined, 'a fourth distinct job waits nowhere');
  const a3 = run('a', job('a-third'));
  assert.notStrictEqual(a3, undefined, 'joining a waiting job needs no room');
  assert.deepStrictEqual(await Promise.all([a1, a2, a3, b, c]), ['a-answer', 'a-answer', 'a-answer', 'b-answer', 'c-answer']);
  assert.deepStrictEqual(runs, ['a', 'b', 'c'], 'one run per key, in arrival order');
  // Once answered, the same key runs again: a later request wants later data.
  assert.strictEqual(await run('a', job('a-later')), 'a-later-answer');
  assert.deepStrictEqual(runs, ['a', 'b', 'c', 'a-later']);
});

test('gate: a failing job rejects its waiters only; the next job runs', async () => {
  const { run } = promising(new Gate({ maxWaiting: 4, gapMs: 0, answersPerTurn: 16, answersPerSecond: 1e9 }));
  const bad = run('bad', () => { throw new Error('no'); });
  const good = run('good', () => 'fine');
  await assert.rejects(bad, /no/);
  assert.strictEqual(await good, 'fine');
});

test('gate: the event loop reads I/O between two jobs', async () => {
  // A loopback connection: what job 1 writes is readable at the next poll
  // phase, which must come before job 2 runs.
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const client = net.connect(server.address().port, '127.0.0.1');
  const [peer] = await Promise.all([new Promise((r) => server.once('connection', r)), new Promise((r) => client.once('connect', r))]);
  const order = [];
  const lastRead = new Promise((resolve) => peer.on('data', (d) => {
    order.push(`read ${d}`);
    if (String(d).endsWith('3')) resolve();
  }));
  const { run } = promising(new Gate({ maxWaiting: 4, gapMs: 0, answersPerTurn: 16, answersPerSecond: 1e9 }));
  const jobs = [1, 2, 3].map((n) => run(`job${n}`, () => {
    order.push(`job ${n}`);
    client.write(String(n));
  }));
  await Promise.all([...jobs, lastRead]);
  client.destroy();
  server.close();
  // Jobs run back to back would read "123" once, after job 3.
  assert.deepStrictEqual(order, ['job 1', 'read 1', 'job 2', 'read 2', 'job 3', 'read 3']);
});

test('gate: the answers to many identical requests go out a few per turn, with I/O between', async () => {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const client = net.connect(server.address().port, '127.0.0.1');
  const [peer] = await Promise.all([new Promise((r) => server.once('connection', r)), new Promise((r) => client.once('connect', r))]);
  const order = [];
  peer.on('data', (d) => order.push(`read ${d}`));
  const gate = new Gate({ maxWaiting: 4, gapMs: 0, answersPerTurn: 3, answersPerSecond: 1e9 });
  const answers = Array.from({ length: 7 }, (_, i) => new Promise((resolve) => gate.submit('same', () => 'v', () => {
    order.push(`answer ${i}`);
    if (i % 3 === 2) client.write(String(i)); // at the end of each turn's answers
    resolve();
  })));
  await Promise.all(answers);
  await new Promise((r) => setImmediate(r));
  client.destroy();
  server.close();
  assert.deepStrictEqual(order, ['answer 0', 'answer 1', 'answer 2', 'read 2', 'answer 3', 'answer 4', 'answer 5', 'read 5', 'answer 6']);
});

test('gate: after a job\'s last answer, the next job waits gapMs', async () => {
  const { run } = promising(new Gate({ maxWaiting: 4, gapMs: 50, answersPerTurn: 16, answersPerSecond: 1e9 }));
  const at = {};
  const first = run('one', () => 1).then(() => { at.answered = performance.now(); });
  const second = run('two', () => { at.started = performance.now(); });
  await Promise.all([first, second]);
  // A lower bound only (timers may fire up to a millisecond early): nothing here depends on speed.
  assert.ok(at.started - at.answered >= 48, `${at.started - at.answered} ms`);
});

test('gate: answers go out at answersPerSecond at most, however many wait', async () => {
  const gate = new Gate({ maxWaiting: 4, gapMs: 0, answersPerTurn: 2, answersPerSecond: 40 });
  const times = [];
  await Promise.all(Array.from({ length: 6 }, () => new Promise((resolve) => gate.submit('same', () => 'v', () => {
    times.push(performance.now());
    resolve();
  }))));
  // Three turns of two answers, each 2/40 s after the previous one (a lower bound: timers may fire a millisecond early).
  for (const i of [2, 4]) assert.ok(times[i] - times[i - 2] >= 48, `${times[i] - times[i - 2]} ms`);
});

test('gate: a job knows whether it is crowded (shared by several requests, or others waiting)', async () => {
  const gate = new Gate({ maxWaiting: 4, gapMs: 0, answersPerTurn: 16, answersPerSecond: 1e9 });
  const seen = {};
  const job = (name) => () => { seen[name] = gate.crowded; };
  const done = (key, name) => new Promise((resolve) => gate.submit(key, job(name), resolve));
  await done('alone', 'alone');
  await Promise.all([done('shared', 'shared'), done('shared', 'shared')]);
  await Promise.all([done('first', 'first'), done('second', 'second')]);
  assert.deepStrictEqual(seen, { alone: false, shared: true, first: true, second: false });
});

/** A GcLimit on a clock the test moves; each GC'd snapshot "takes" `pauseMs` of it. */
function limitWithClock(pauseMs) {
  let now = 1000;
  const taken = [];
  const limit = new GcLimit(() => now);
  const take = (gc) => {
    if (gc) now += pauseMs;
    const snap = { n: taken.length, gc };
    taken.push(snap);
    return snap;
  };
  return { limit, take, taken, advance: (ms) => { now += ms; } };
}

test('GC limit: a burst of forced GCs; then a crowd gets the latest GC\'d snapshot, a request on its own a fresh one without GC', () => {
  const { limit, take, advance } = limitWithClock(1);
  const forced = [];
  for (let i = 0; i < BURST; i++) {
    const { value, gc } = limit.snapshot(true, take);
    assert.strictEqual(gc.status, 'forced');
    assert.strictEqual(gc.forcedGcs, i + 1);
    forced.push(value);
    advance(DUTY_FACTOR * 1); // the spacing after a 1 ms pause
  }
  advance(100);
  const reused = limit.snapshot(true, take, true);
  assert.strictEqual(reused.gc.status, 'reused');
  assert.strictEqual(reused.value, forced[BURST - 1], 'the latest forced GC\'s snapshot');
  assert.strictEqual(reused.gc.ageMs, DUTY_FACTOR + 100);
  assert.strictEqual(reused.gc.forcedGcs, BURST);
  assert.ok(reused.gc.nextGcInMs > 0 && reused.gc.nextGcInMs <= CROWD_REFILL_MS);
  // On its own (a script's diff after load): never an older snapshot, which could hide what grew.
  const alone = limit.snapshot(true, take);
  assert.strictEqual(alone.gc.status, 'skipped');
  assert.strictEqual(alone.value.gc, false, 'fresh, not GC\'d');
  // gc=0 always takes a fresh snapshot, and does not count.
  const off = limit.snapshot(false, take);
  assert.strictEqual(off.gc.status, 'off');
  assert.strictEqual(off.value.gc, false);
  advance(REFILL_MS);
  const earned = limit.snapshot(true, take);
  assert.strictEqual(earned.gc.status, 'forced');
  assert.strictEqual(earned.gc.forcedGcs, BURST + 1);
});

test('GC limit: a crowd never spends the burst: one forced GC per CROWD_REFILL_MS', () => {
  const { limit, take, advance } = limitWithClock(1);
  assert.strictEqual(limit.snapshot(true, take, true).gc.status, 'forced');
  advance(DUTY_FACTOR * 1);
  const crowded = limit.snapshot(true, take, true);
  assert.strictEqual(crowded.gc.status, 'reused', 'tokens are left, but a crowd waits its turn');
  assert.strictEqual(crowded.gc.nextGcInMs, CROWD_REFILL_MS - DUTY_FACTOR);
  // A request on its own may still use the burst.
  assert.strictEqual(limit.snapshot(true, take, false).gc.status, 'forced');
  advance(CROWD_REFILL_MS - 1);
  assert.strictEqual(limit.snapshot(true, take, true).gc.status, 'reused');
  advance(1);
  assert.strictEqual(limit.snapshot(true, take, true).gc.status, 'forced');
});

test('GC limit: a crowd\'s forced GCs take at most 1/CROWD_DUTY_FACTOR of the time, however slow', () => {
  const { limit, take, advance } = limitWithClock(400); // a 400 ms forced GC
  assert.strictEqual(limit.snapshot(true, take, true).gc.status, 'forced');
  const soon = limit.snapshot(true, take, true);
  assert.strictEqual(soon.gc.status, 'reused');
  assert.strictEqual(soon.gc.nextGcInMs, CROWD_DUTY_FACTOR * 400);
  advance(CROWD_DUTY_FACTOR * 400 - 1);
  assert.strictEqual(limit.snapshot(true, take, true).gc.status, 'reused');
  advance(1);
  assert.strictEqual(limit.snapshot(true, take, true).gc.status, 'forced');
});

test('GC limit: a slow GC spaces the next one by DUTY_FACTOR times its pause', () => {
  const { limit, take, advance } = limitWithClock(400); // a 400 ms forced GC
  assert.strictEqual(limit.snapshot(true, take).gc.status, 'forced');
  const soon = limit.snapshot(true, take);
  assert.strictEqual(soon.gc.status, 'skipped');
  assert.strictEqual(soon.gc.nextGcInMs, DUTY_FACTOR * 400);
  advance(DUTY_FACTOR * 400 - 1);
  assert.strictEqual(limit.snapshot(true, take).gc.status, 'skipped');
  advance(1);
  assert.strictEqual(limit.snapshot(true, take).gc.status, 'forced');
});

test('GC limit: markers spend the same budget; with nothing GC\'d to reuse a snapshot goes without GC', () => {
  const { limit, take } = limitWithClock(0);
  const written = [];
  for (let i = 0; i < BURST; i++) assert.strictEqual(limit.mark(true, (gc) => written.push(gc)).status, 'forced');
  assert.strictEqual(limit.mark(true, (gc) => written.push(gc)).status, 'skipped');
  assert.deepStrictEqual(written, [...Array(BURST).fill(true), false], 'the skipped marker is written, without a GC');
  const snap = limit.snapshot(true, take);
  assert.strictEqual(snap.gc.status, 'skipped');
  assert.strictEqual(snap.value.gc, false, 'fresh, not GC\'d');
  limit.forget();
});

test('GC limit: ALLOCTRACE_HTTP_GC_LIMIT=0 (the constructor\'s switch) forces every GC asked for', () => {
  let now = 0;
  const limit = new GcLimit(() => now, false);
  for (let i = 0; i < 3 * BURST; i++) {
    const { gc } = limit.snapshot(true, (g) => ({ g }), i % 2 === 0);
    assert.strictEqual(gc.status, 'forced');
    now += 1;
  }
});

test('GC limit: a heap walk refused before any pause (it would not fit) spends none of the budget', () => {
  const { HeapWalkRefused } = require('../dist/heap/walk-guard');
  const { limit, take, advance } = limitWithClock(1);
  const refusal = { kind: 'snapshot', heapUsed: 1, needed: 16, available: 0, maxHeap: 1, message: 'x refused' };
  for (let i = 0; i < BURST + 2; i++) {
    assert.throws(() => limit.walk(true, () => { throw new HeapWalkRefused(refusal); }), HeapWalkRefused);
  }
  // The whole burst is still there: every refusal gave its token back.
  for (let i = 0; i < BURST; i++) {
    const walked = limit.walk(true, take);
    assert.ok(!('refused' in walked), `walk ${i + 1} of the burst`);
    advance(DUTY_FACTOR * 1);
  }
});
