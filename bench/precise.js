'use strict';
// Part (precise): what switching precise mode at run time costs.
//  1. The pause of a switch (flags, then every optimized function thrown away
//     through the inspector's precise coverage) with a small, a ~100 MB and a
//     ~500 MB live heap (bench/precise-heap.js): median of 3 switches each
//     way after the first (which also loads node:inspector, shown apart).
//  2. Two instances of bench/http-server.js, both preloaded with the admin
//     endpoint, under load at the same time (bench/precise-load.js); in the
//     first, precise mode goes on, then off (POST /precise). Each 1 s
//     window's throughput is taken as the ratio of the first to the control
//     beside it, which cancels most of what other work on this shared machine
//     does. Before any switch that ratio shows the A/A noise (its min-max
//     band); then: the ratio while precise (against before), the longest
//     request wait around each switch, and the time after the off switch
//     until the ratio is back inside the band and stays there. Counted in
//     250 ms buckets, judged over rolling 1 s windows.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { OUT, REGISTER, cleanEnv, runOk, median, figure, writeJson, table, log, ensureOut } = require('./lib');

const HEAP = path.join(__dirname, 'precise-heap.js');
const SERVER = path.join(__dirname, 'http-server.js');
const LOAD = path.join(__dirname, 'precise-load.js');
const TOKEN = 'bench-precise-token';
const CONCURRENCY = 8;
const BUCKET_MS = 250;
const WINDOW = 4; // buckets per judged window (1 s)
const HEAPS_MB = [0, 100, 500];

async function heapPauses(quick) {
  const rows = [];
  for (const mb of quick ? [0, 100] : HEAPS_MB) {
    const r = await runOk(process.execPath, ['--expose-gc', '--max-old-space-size=4096', HEAP, String(mb), quick ? '2' : '4'],
      { timeoutMs: 5 * 60 * 1000 });
    const out = JSON.parse(r.stdout);
    const row = {
      targetMB: mb, liveMB: out.liveMB, firstOnMs: out.onMs[0], onMs: median(out.onMs.slice(1)),
      offMs: median(out.offMs.slice(1)), all: { on: out.onMs, off: out.offMs },
    };
    rows.push(row);
    log(`[precise] live heap ${row.liveMB.toFixed(0)} MB: switch on ${row.onMs.toFixed(1)} ms (first ${row.firstOnMs.toFixed(1)} ms), ` +
      `off ${row.offMs.toFixed(1)} ms`);
  }
  return rows;
}

function startServer(traceFile) {
  const child = spawn(process.execPath, ['--require', REGISTER, SERVER], {
    env: cleanEnv({ ALLOCTRACE_FILE: traceFile, ALLOCTRACE_HTTP: '127.0.0.1:0', ALLOCTRACE_HTTP_TOKEN: TOKEN }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not start: ${stderr}`)); }, 15000);
    const look = () => {
      const nl = stdout.indexOf('\n');
      const admin = /alloctrace: admin endpoint on (http:\/\/\S+)/.exec(stderr);
      if (nl >= 0 && admin) {
        clearTimeout(timer);
        resolve({ child, port: JSON.parse(stdout.slice(0, nl)).port, admin: admin[1] });
      }
    };
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; look(); });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; look(); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
  });
}

/** Of each rolling window of WINDOW buckets (indexed by its first bucket): requests of the first server / the control's. */
function windows(counts, control) {
  const out = [];
  for (let b = 0; b + WINDOW <= counts.length; b++) {
    let n = 0;
    let c = 0;
    for (let k = 0; k < WINDOW; k++) {
      n += counts[b + k];
      c += control[b + k];
    }
    out.push(c > 0 ? n / c : NaN);
  }
  return out;
}

/** One process: warm-up, before (A), precise (P), after (B). */
async function switchRound(plan, round) {
  const traceFile = path.join(OUT, `precise-http-${round}.atrace`);
  const controlFile = path.join(OUT, `precise-http-${round}-control.atrace`);
  const server = await startServer(traceFile);
  const control = await startServer(controlFile);
  let load;
  try {
    const r = await runOk(process.execPath, [LOAD, String(server.port), String(control.port), server.admin, TOKEN,
      String(plan.totalMs), String(CONCURRENCY), String(BUCKET_MS), String(plan.onMs), String(plan.offMs)],
    { timeoutMs: plan.totalMs + 60000 });
    load = JSON.parse(r.stdout);
  } finally {
    server.child.kill();
    control.child.kill();
    fs.rmSync(traceFile, { force: true });
    fs.rmSync(controlFile, { force: true });
  }
  const b = (ms) => Math.floor(ms / BUCKET_MS);
  const w = windows(load.counts, load.control);
  const rps = (counts, fromMs, toMs) => counts.slice(b(fromMs), b(toMs)).reduce((x, y) => x + y, 0) / ((toMs - fromMs) / 1000);
  const inside = (fromMs, toMs) => w.slice(b(fromMs), b(toMs) - WINDOW + 1);
  const before = inside(plan.warmupMs, plan.onMs);
  const band = { low: Math.min(...before), median: median(before), high: Math.max(...before) };
  const precise = inside(plan.onMs + plan.settleMs, plan.offMs);
  const after = inside(plan.offMs, plan.totalMs);
  // Back: the first window from which all windows for the next HOLD_MS stay inside the band (or above it).
  const hold = b(plan.holdMs);
  let recoveredAt = null;
  for (let i = 0; i + hold <= after.length; i++) {
    if (after.slice(i, i + hold).every((x) => x >= band.low)) {
      recoveredAt = i;
      break;
    }
  }
  const lastMs = plan.totalMs - plan.offMs - plan.tailMs;
  const steadyAfter = median(after.slice(b(lastMs)));
  const waitAround = (atMs) => Math.max(...load.maxLatencyMs.slice(Math.max(0, b(atMs) - 1), b(atMs) + 3));
  const on = load.switches.find((s) => s.on);
  const off = load.switches.find((s) => !s.on);
  if (!on || !off || !on.changed || !off.changed) throw new Error(`precise mode was not switched: ${JSON.stringify(load.switches)}`);
  const result = {
    beforeRps: rps(load.counts, plan.warmupMs, plan.onMs),
    controlRps: rps(load.control, plan.warmupMs, plan.onMs),
    beforeRatio: band.median,
    band: { low: band.low / band.median, high: band.high / band.median },
    preciseRatio: median(precise) / band.median,
    dipAfterOn: Math.min(...inside(plan.onMs, plan.onMs + plan.settleMs)) / band.median,
    recoveryMs: recoveredAt === null ? null : recoveredAt * BUCKET_MS,
    afterRatio: steadyAfter / band.median,
    onPauseMs: on.pauseMs,
    offPauseMs: off.pauseMs,
    maxWaitOnMs: waitAround(on.atMs),
    maxWaitOffMs: waitAround(off.atMs),
    maxWaitBeforeMs: median(load.maxLatencyMs.slice(b(plan.warmupMs), b(plan.onMs))),
    counts: load.counts,
    control: load.control,
  };
  log(`[precise] round ${round + 1}: before ${result.beforeRps.toFixed(0)} req/s, control ${result.controlRps.toFixed(0)} req/s; ` +
    `1 s windows' ratio to the control ${result.beforeRatio.toFixed(3)} [A/A band ` +
    `${result.band.low.toFixed(3)}-${result.band.high.toFixed(3)} x median]; precise ${result.preciseRatio.toFixed(3)} x, ` +
    `after ${result.afterRatio.toFixed(3)} x; back in the band ${result.recoveryMs === null ? 'never' : `${result.recoveryMs} ms`} after the off switch; ` +
    `switch pause on ${on.pauseMs} ms / off ${off.pauseMs} ms; longest request ${result.maxWaitOnMs.toFixed(0)} / ` +
    `${result.maxWaitOffMs.toFixed(0)} ms around them (typical ${result.maxWaitBeforeMs.toFixed(0)} ms)`);
  return result;
}

async function runPrecise({ quick }) {
  ensureOut();
  const heaps = await heapPauses(quick);
  const rounds = Number(process.env.BENCH_PRECISE_ROUNDS) || (quick ? 1 : 3);
  const plan = quick
    ? { warmupMs: 2000, onMs: 5000, offMs: 9000, totalMs: 14000, settleMs: 1500, holdMs: 1000, tailMs: 2000 }
    : { warmupMs: 3000, onMs: 11000, offMs: 19000, totalMs: 31000, settleMs: 2000, holdMs: 2000, tailMs: 4000 };
  log(`[precise] ${rounds} round(s) of ${plan.totalMs / 1000} s: on at ${plan.onMs / 1000} s, off at ${plan.offMs / 1000} s, ` +
    `concurrency ${CONCURRENCY} per server (one switching, one control)`);
  const runs = [];
  for (let round = 0; round < rounds; round++) runs.push(await switchRound(plan, round));

  const med = (key) => median(runs.map((r) => r[key]));
  const range = (key) => `[${Math.min(...runs.map((r) => r[key])).toFixed(3)}-${Math.max(...runs.map((r) => r[key])).toFixed(3)}]`;
  const recoveries = runs.map((r) => r.recoveryMs);
  const summary = {
    heaps, plan, bucketMs: BUCKET_MS, windowBuckets: WINDOW, concurrency: CONCURRENCY,
    preciseRatio: med('preciseRatio'), afterRatio: med('afterRatio'), dipAfterOn: med('dipAfterOn'),
    bandLow: median(runs.map((r) => r.band.low)),
    recoveryMs: recoveries.includes(null) ? null : median(recoveries), recoveries,
    onPauseMs: med('onPauseMs'), offPauseMs: med('offPauseMs'), maxWaitOnMs: med('maxWaitOnMs'), maxWaitOffMs: med('maxWaitOffMs'),
    maxWaitBeforeMs: med('maxWaitBeforeMs'), runs,
  };
  writeJson(quick ? 'precise-quick.json' : 'precise.json', summary);
  log(table(['live heap MB', 'switch on ms', 'first on ms', 'switch off ms'],
    heaps.map((h) => [h.liveMB.toFixed(0), h.onMs.toFixed(1), h.firstOnMs.toFixed(1), h.offMs.toFixed(1)])));

  const figures = [];
  for (const h of heaps) {
    figures.push(figure('precise', `switch pause, live heap ${h.liveMB.toFixed(0)} MB: on (first ${h.firstOnMs.toFixed(0)} ms) / off ${h.offMs.toFixed(1)} ms`,
      h.onMs, 'ms', ''));
  }
  figures.push(figure('precise', `HTTP throughput while precise / before (vs a control) ${range('preciseRatio')}`, summary.preciseRatio, 'x', ''));
  figures.push(figure('precise', `HTTP throughput after the off switch (last ${plan.tailMs / 1000} s) / before ${range('afterRatio')}`, summary.afterRatio, 'x', ''));
  figures.push(figure('precise', `HTTP: back inside the A/A band (1 s windows ≥ ${summary.bandLow.toFixed(3)} x median) after the off switch, per round ${JSON.stringify(recoveries)}`,
    summary.recoveryMs, 'ms', ''));
  figures.push(figure('precise', 'HTTP: longest request around the on / off switch (typical bucket max ' +
    `${summary.maxWaitBeforeMs.toFixed(0)} ms), off ${summary.maxWaitOffMs.toFixed(0)} ms`, summary.maxWaitOnMs, 'ms', ''));
  return { data: summary, figures };
}

module.exports = { runPrecise };
