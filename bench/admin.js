'use strict';
// Part admin: the app's latency while the admin endpoint is flooded (issue 11
// point 3: "p99 while 200 clients hammer /top?gc=1 stays within 2x of its
// latency without them"). The app (admin-app.js, ~26 MB live so a forced GC
// costs something) runs under the preload with ALLOCTRACE_HTTP; this process
// sends it an open-loop load of GET / at a fixed rate, each latency measured
// from the request's scheduled time, so a stall counts for every request it
// delays (no coordinated omission). Each round is one app and three phases in
// rotating order: baseline and baseline-again (no hammer: the A/A pair shows
// the noise) and hammered, where admin-hammer.js's 200 keep-alive clients loop
// on /top?gc=1. Headline: median over rounds of p99 hammered / p99 baseline of
// the same round (pairing cancels the machine's drift).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { OUT, REGISTER, NODE, cleanEnv, median, figure, writeJson, table, log, ensureOut } = require('./lib');

const APP = path.join(__dirname, 'admin-app.js');
const HAMMER = path.join(__dirname, 'admin-hammer.js');
const TOKEN = 'bench-admin-token';
const RATE = 300; // GET / per second, open loop
const CLIENTS = 200;
const TARGET = 2;
const PHASES = ['baseline', 'baseline-again', 'hammered'];
// BENCH_ADMIN_PATH=/top?gc=0 hammers without forced GCs: what the flood costs besides them.
const HAMMER_PATH = process.env.BENCH_ADMIN_PATH || '/top?gc=1';

/** Resolves {child, port, admin} once the app listens and the preload's endpoint said where it is. */
function startApp(traceFile) {
  const env = cleanEnv({ ALLOCTRACE_FILE: traceFile, ALLOCTRACE_HTTP: '127.0.0.1:0', ALLOCTRACE_HTTP_TOKEN: TOKEN });
  const child = spawn(NODE, ['--require', REGISTER, APP], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let port;
    let admin;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`app did not start:\n${err}`)); }, 30000);
    const check = () => {
      if (port === undefined || admin === undefined) return;
      clearTimeout(timer);
      resolve({ child, port, admin, traceFile });
    };
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (port === undefined && nl >= 0) { port = JSON.parse(out.slice(0, nl)).port; check(); }
    });
    // The preload's notice: "alloctrace: admin endpoint on http://127.0.0.1:PORT".
    child.stderr.setEncoding('utf8').on('data', (d) => {
      err += d;
      const m = /admin endpoint on (http:\/\/\S+)/.exec(err);
      if (admin === undefined && m) { admin = m[1]; check(); }
    });
    child.on('exit', (code) => { clearTimeout(timer); if (admin === undefined || port === undefined) reject(new Error(`app exited ${code}:\n${err}`)); });
  });
}

function getJson(port, urlPath, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { body += d; });
      res.on('end', () => { try { resolve(JSON.parse(body)); } catch (e) { reject(e); } });
    });
    req.on('error', reject);
    req.end();
  });
}

/** One admin request: {ms, gc, forcedGcs} (the answer's gc status, and the endpoint's count of forced GCs). */
function adminGet(base, urlPath) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(urlPath, base), { agent: false, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { body += d; });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${urlPath}: ${res.statusCode} ${body.trim()}`));
        const { gc } = JSON.parse(body);
        return resolve({ ms: performance.now() - t0, gc: gc.status, forcedGcs: gc.forcedGcs });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function stopApp(app) {
  const exited = new Promise((r) => app.child.on('exit', r));
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 15000);
  try {
    await getJson(app.port, '/exit', 'POST');
  } catch {
    app.child.kill('SIGKILL');
  }
  await exited;
  clearTimeout(timer);
}

/**
 * Open-loop load: request i is due at start + i/RATE; whatever delays it (the
 * app, or this process's own timer) counts from that time. Requests due in
 * the first `warmupMs` are not counted. Resolves latency quantiles in ms.
 */
function openLoad(port, warmupMs, durationMs) {
  const agent = new http.Agent({ keepAlive: true });
  const gap = 1000 / RATE;
  const total = warmupMs + durationMs;
  const latencies = [];
  let errors = 0;
  let pending = 0;
  let i = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    let timesUp = false;
    const finish = () => {
      if (!timesUp || pending > 0) return;
      agent.destroy();
      latencies.sort((a, b) => a - b);
      const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
      resolve({ requests: latencies.length, errors, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: latencies[latencies.length - 1] });
    };
    const fire = (due) => {
      const counted = due - start >= warmupMs;
      pending += 1;
      const done = (ok) => {
        if (counted) { if (ok) latencies.push(performance.now() - due); else errors += 1; }
        pending -= 1;
        finish();
      };
      const req = http.request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === 200));
        res.on('error', () => done(false));
      });
      req.on('error', () => done(false));
      req.end();
    };
    const tick = () => {
      const now = performance.now();
      for (let due = start + i * gap; due <= now && i * gap < total; due = start + ++i * gap) fire(due);
      if (i * gap < total) setTimeout(tick, Math.max(0, start + i * gap - performance.now()));
      else { timesUp = true; finish(); }
    };
    tick();
  });
}

/** Starts the hammer; resolves once each of its clients has had one answer. */
function startHammer(admin) {
  const child = spawn(process.execPath, [HAMMER, admin, TOKEN, String(CLIENTS), HAMMER_PATH], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const exited = new Promise((r) => child.on('exit', r));
  const stop = async () => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
    const last = lines().find((l) => l.ms !== undefined);
    if (!last) throw new Error('the hammer gave no counts');
    return last;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the hammer got no answers in 30 s')), 30000);
    child.stdout.on('data', () => {
      if (out.includes('"ready"')) { clearTimeout(timer); resolve({ stop }); }
    });
    exited.then((code) => { clearTimeout(timer); reject(new Error(`the hammer exited ${code}`)); });
  });
}

const settle = (ms) => new Promise((r) => { setTimeout(r, ms); });

async function onePhase(app, name, warmupMs, durationMs, forcedBefore) {
  const hammer = name === 'hammered' ? await startHammer(app.admin) : null;
  const before = await getJson(app.port, '/stats');
  const load = await openLoad(app.port, warmupMs, durationMs);
  const after = await getJson(app.port, '/stats');
  const counts = hammer ? await hammer.stop() : null;
  // The endpoint still runs the jobs the hammer's last requests queued (it
  // does not drop a job whose clients left): one more request, without GC,
  // answers after them, so none of them lands in the next phase.
  const drained = hammer ? await adminGet(app.admin, '/top?gc=0') : null;
  await settle(500); // the hammer's sockets go away
  const seconds = (warmupMs + durationMs) / 1000;
  return {
    ...load,
    majorGcsPerS: (after.majorGcs - before.majorGcs) / seconds,
    gcMsPerS: (after.gcMs - before.gcMs) / seconds,
    loopMaxMs: after.loopMaxMs,
    // Forced during the phase, or by its leftover jobs after it: the endpoint's own count.
    hammer: counts && { ...counts, forced: drained.forcedGcs - forcedBefore, drainMs: drained.ms },
  };
}

function spread(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return { min: Math.min(...v), median: median(v), max: Math.max(...v) };
}

async function runAdmin({ quick }) {
  ensureOut();
  const rounds = Number(process.env.BENCH_ADMIN_ROUNDS) || (quick ? 2 : 4);
  const durationMs = Number(process.env.BENCH_ADMIN_MS) || (quick ? 4000 : 8000);
  const warmupMs = quick ? 500 : 1000;
  log(`[admin] ${rounds} round(s) x ${PHASES.length} phases, ${durationMs} ms each after ${warmupMs} ms warm-up; ` +
    `open-loop GET / at ${RATE}/s; hammer: ${CLIENTS} clients on ${HAMMER_PATH}`);
  const runs = Object.fromEntries(PHASES.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    const app = await startApp(path.join(OUT, `admin-${round}.atrace`));
    try {
      // The process's first forced GC snapshot is slower (~3x here: the first
      // full GCs and the snapshot code's first run): a one-time cost, paid here
      // so that each phase sees the steady state. Then the JIT warm-up, not counted.
      const first = await adminGet(app.admin, '/top?gc=1');
      await openLoad(app.port, 2000, 0);
      log(`[admin] round ${round + 1}: app on :${app.port}, endpoint ${app.admin}; first /top?gc=1 ${first.ms.toFixed(0)} ms ` +
        `(gc ${first.gc})`);
      let forced = 1; // the warm-up's
      const order = PHASES.map((_, i) => PHASES[(i + round) % PHASES.length]);
      for (const name of order) {
        const r = await onePhase(app, name, warmupMs, durationMs, forced);
        if (r.hammer) forced += r.hammer.forced;
        runs[name].push(r);
        const h = r.hammer ? `  /top ${r.hammer.answers}, 503 ${r.hammer.busy}, forced GCs ${r.hammer.forced}, ` +
          `drained in ${r.hammer.drainMs.toFixed(0)} ms` +
          `${r.hammer.errors ? `, hammer errors ${r.hammer.errors}` : ''}` : '';
        log(`[admin] round ${round + 1} ${name.padEnd(14)} p50 ${r.p50Ms.toFixed(2)} p99 ${r.p99Ms.toFixed(2)} ` +
          `max ${r.maxMs.toFixed(1)} ms  (${r.requests} req${r.errors ? `, errors ${r.errors}` : ''}; ` +
          `full GCs ${r.majorGcsPerS.toFixed(2)}/s; app's longest loop delay ${r.loopMaxMs.toFixed(1)} ms)${h}`);
      }
    } finally {
      await stopApp(app);
      fs.rmSync(app.traceFile, { force: true }); // the trace is not what is measured here
    }
  }

  const base = runs.baseline;
  const per = {};
  for (const name of PHASES) {
    const rs = runs[name];
    per[name] = {
      p50Ms: median(rs.map((r) => r.p50Ms)), p99Ms: median(rs.map((r) => r.p99Ms)),
      maxMs: Math.max(...rs.map((r) => r.maxMs)), errors: rs.reduce((s, r) => s + r.errors, 0),
      loopMaxMs: median(rs.map((r) => r.loopMaxMs)), majorGcsPerS: median(rs.map((r) => r.majorGcsPerS)), gcMsPerS: median(rs.map((r) => r.gcMsPerS)),
      p99PerRound: spread(rs.map((r, i) => r.p99Ms / base[i].p99Ms)),
    };
  }
  const hs = runs.hammered.map((r) => r.hammer);
  const sum = (k) => hs.reduce((s, h) => s + h[k], 0);
  const hammer = {
    seconds: hs.reduce((s, h) => s + h.ms, 0) / 1000, answers: sum('answers'), busy: sum('busy'),
    errors: sum('errors'), other: sum('other'), forced: sum('forced'),
    reused: hs.reduce((s, h) => s + (h.gc.reused || 0), 0), skipped: hs.reduce((s, h) => s + (h.gc.skipped || 0), 0),
  };
  writeJson(quick ? 'admin-quick.json' : 'admin.json', { rounds, durationMs, warmupMs, rate: RATE, clients: CLIENTS, phases: per, hammer, runs });

  const f3 = (x) => x.toFixed(3);
  const range = (s) => `${f3(s.min)}-${f3(s.max)}`;
  log(`\n[admin] ${rounds} round(s). "x baseline" = median of the per-round ratios to the same round's baseline ` +
    '[their min-max]; baseline-again is the A/A noise. Latency from each request\'s scheduled time; max ms over all ' +
    'rounds; loop max = the app\'s longest event-loop delay in a phase (median over rounds).');
  log(table(['phase', 'p50 ms', 'p99 ms', 'x baseline', '[per round]', 'max ms', 'loop max ms', 'full GCs/s', 'GC ms/s', 'errors'],
    PHASES.map((n) => {
      const p = per[n];
      return [n, p.p50Ms.toFixed(2), p.p99Ms.toFixed(2), f3(p.p99PerRound.median), range(p.p99PerRound),
        p.maxMs.toFixed(1), p.loopMaxMs.toFixed(1), p.majorGcsPerS.toFixed(2), p.gcMsPerS.toFixed(1), p.errors];
    })));
  log(`hammer, ${hammer.seconds.toFixed(1)} s in all: ${hammer.answers} /top answers (${hammer.reused} reusing the ` +
    `last forced GC's snapshot, ${hammer.skipped} without GC), ${hammer.busy} 503, ${hammer.errors} errors; ` +
    `${hammer.forced} GCs forced by the endpoint (its own count), full GCs seen by the app in the measured windows: ` +
    `${per.hammered.majorGcsPerS.toFixed(2)}/s hammered vs ${per.baseline.majorGcsPerS.toFixed(2)}/s baseline.`);

  const judge = (ok) => (quick ? null : ok);
  const h = per.hammered.p99PerRound;
  const aa = per['baseline-again'].p99PerRound;
  const figures = [
    figure('admin', `p99 A/A: baseline-again / baseline per round [${range(aa)}]`, aa.median, 'x', '(noise)'),
    figure('admin', `p99: hammered (${CLIENTS} clients on ${HAMMER_PATH}) / baseline per round [${range(h)}]`, h.median, 'x',
      `≤ ${TARGET}`, judge(h.median <= TARGET)),
    figure('admin', `p99 baseline (median; open loop ${RATE} req/s)`, per.baseline.p99Ms, 'ms', ''),
    figure('admin', 'p99 hammered (median)', per.hammered.p99Ms, 'ms', ''),
    figure('admin', `max latency hammered (baseline ${per.baseline.maxMs.toFixed(1)} ms)`, per.hammered.maxMs, 'ms', ''),
    figure('admin', `app's longest loop delay, hammered (median; baseline ${per.baseline.loopMaxMs.toFixed(1)} ms)`,
      per.hammered.loopMaxMs, 'ms', ''),
    figure('admin', `/top answers (${hammer.seconds.toFixed(0)} s of hammering)`, hammer.answers, '', ''),
    figure('admin', '503 busy answers', hammer.busy, '', ''),
    figure('admin', 'GCs forced by the endpoint', hammer.forced, '', ''),
    figure('admin', 'app errors (load) + hammer errors', per.baseline.errors + per['baseline-again'].errors +
      per.hammered.errors + hammer.errors, '', '0', judge(per.baseline.errors + per['baseline-again'].errors +
      per.hammered.errors + hammer.errors === 0)),
  ];
  return { data: { phases: per, hammer }, figures };
}

module.exports = { runAdmin };
