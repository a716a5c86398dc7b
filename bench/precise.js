'use strict';
// Part (precise): what switching precise mode at run time costs.
//  1. The pause of a switch (flags, then every optimized function thrown away
//     through the inspector's precise coverage) with a small, a ~100 MB and a
//     ~550 MB live heap (bench/precise-heap.js): median of the switches each
//     way after the first (which also loads node:inspector, shown apart).
//  2. Two instances of bench/http-server.js, both preloaded with the admin
//     endpoint, under load at the same time (bench/precise-load.js); in the
//     first, precise mode goes on, then off (POST /precise). This machine is
//     shared, so a server's wall-clock throughput says more about its
//     neighbours than about it: each server's throughput is taken as requests
//     per CPU-second of its process (what it would serve on a core of its
//     own), and each window's figure is the first server's over the
//     control's, which also cancels machine-wide slowdowns. Before any switch
//     that ratio shows the A/A noise (its min-max band over the windows);
//     then: the ratio while precise against before, the time after the off
//     switch until it is back inside the band (and stays there), and the
//     longest request around each switch. Sampled every 250 ms, judged over
//     rolling 1 s windows.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { OUT, REGISTER, cleanEnv, runOk, median, figure, writeJson, table, log, ensureOut } = require('./lib');

const HEAP = path.join(__dirname, 'precise-heap.js');
const SERVER = path.join(__dirname, 'http-server.js');
const LOAD = path.join(__dirname, 'precise-load.js');
const TOKEN = 'bench-precise-token';
const CONCURRENCY = 8; // per server
const TICK_MS = 250;
const WINDOW = 4; // ticks per judged window (1 s)
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

/**
 * Rolling windows of WINDOW ticks: start time, and the first server's
 * requests per CPU-second over the control's (plus each one's own figures).
 */
function windows(ticks) {
  const out = [];
  for (let i = 0; i + WINDOW < ticks.length; i++) {
    const a = ticks[i];
    const z = ticks[i + WINDOW];
    const perCpu = (k) => (z.requests[k] - a.requests[k]) / ((z.cpuMs[k] - a.cpuMs[k]) / 1000);
    const first = perCpu(0);
    const control = perCpu(1);
    out.push({ startMs: a.ms, endMs: z.ms, first, control, ratio: first / control });
  }
  return out;
}

/** One pair of processes: warm-up, before, precise, after. */
async function switchRound(plan, round) {
  const traceFile = path.join(OUT, `precise-http-${round}.atrace`);
  const controlFile = path.join(OUT, `precise-http-${round}-control.atrace`);
  const server = await startServer(traceFile);
  const control = await startServer(controlFile);
  let load;
  try {
    const r = await runOk(process.execPath, [LOAD, String(server.port), String(server.child.pid), String(control.port),
      String(control.child.pid), server.admin, TOKEN, String(plan.totalMs), String(CONCURRENCY), String(TICK_MS),
      String(plan.onMs), String(plan.offMs)], { timeoutMs: plan.totalMs + 60000 });
    load = JSON.parse(r.stdout);
  } finally {
    server.child.kill();
    control.child.kill();
    fs.rmSync(traceFile, { force: true });
    fs.rmSync(controlFile, { force: true });
  }
  const on = load.switches.find((s) => s.on);
  const off = load.switches.find((s) => !s.on);
  if (!on || !off || !on.changed || !off.changed) throw new Error(`precise mode was not switched: ${JSON.stringify(load.switches)}`);
  const w = windows(load.ticks);
  const inside = (fromMs, toMs) => w.filter((x) => x.startMs >= fromMs && x.endMs <= toMs);
  const ratios = (xs) => xs.map((x) => x.ratio);
  const before = ratios(inside(plan.warmupMs, on.atMs));
  const band = { low: Math.min(...before), median: median(before), high: Math.max(...before) };
  const precise = ratios(inside(on.atMs + plan.settleMs, off.atMs));
  const after = inside(off.atMs, Infinity);
  // Back: the first window from which every window starting within holdMs stays inside the band (or above it).
  let recoveryMs = null;
  for (let i = 0; i < after.length; i++) {
    const held = after.filter((x) => x.startMs >= after[i].startMs && x.startMs < after[i].startMs + plan.holdMs);
    const last = after[after.length - 1];
    if (last.startMs - after[i].startMs < plan.holdMs) break;
    if (held.every((x) => x.ratio >= band.low)) {
      recoveryMs = after[i].startMs - off.atMs;
      break;
    }
  }
  const tail = ratios(inside(plan.totalMs - plan.tailMs, Infinity));
  // The longest request that ended in the ticks around a switch.
  const waitAround = (atMs) => Math.max(...load.ticks.filter((t) => t.ms > atMs - TICK_MS && t.ms <= atMs + 3 * TICK_MS)
    .map((t) => t.maxLatencyMs));
  const typicalWait = median(load.ticks.filter((t) => t.ms > plan.warmupMs && t.ms < on.atMs).map((t) => t.maxLatencyMs));
  const beforeW = inside(plan.warmupMs, on.atMs);
  const result = {
    beforePerCpuS: median(beforeW.map((x) => x.first)),
    controlPerCpuS: median(beforeW.map((x) => x.control)),
    beforeRatio: band.median,
    band: { low: band.low / band.median, high: band.high / band.median },
    preciseRatio: median(precise) / band.median,
    dipAfterOn: Math.min(...ratios(inside(on.atMs, on.atMs + plan.settleMs))) / band.median,
    recoveryMs,
    afterRatio: median(tail) / band.median,
    onPauseMs: on.pauseMs,
    offPauseMs: off.pauseMs,
    maxWaitOnMs: waitAround(on.atMs),
    maxWaitOffMs: waitAround(off.atMs),
    maxWaitBeforeMs: typicalWait,
    windows: w,
  };
  log(`[precise] round ${round + 1}: before ${result.beforePerCpuS.toFixed(0)} req per CPU-s (control ` +
    `${result.controlPerCpuS.toFixed(0)}), 1 s windows' ratio to the control ${result.beforeRatio.toFixed(3)} [A/A band ` +
    `${result.band.low.toFixed(3)}-${result.band.high.toFixed(3)} x median]; precise ${result.preciseRatio.toFixed(3)} x, ` +
    `after ${result.afterRatio.toFixed(3)} x; back in the band ${recoveryMs === null ? 'never' : `${recoveryMs.toFixed(0)} ms`} after the off switch; ` +
    `switch pause on ${on.pauseMs} ms / off ${off.pauseMs} ms; longest request ${result.maxWaitOnMs.toFixed(0)} / ` +
    `${result.maxWaitOffMs.toFixed(0)} ms around them (typical ${typicalWait.toFixed(0)} ms)`);
  return result;
}

async function runPrecise({ quick }) {
  ensureOut();
  const heaps = await heapPauses(quick);
  const rounds = Number(process.env.BENCH_PRECISE_ROUNDS) || (quick ? 1 : 3);
  // The JIT needs several seconds to warm up under load (more when the machine is busy).
  const plan = quick
    ? { warmupMs: 5000, onMs: 8000, offMs: 13000, totalMs: 19000, settleMs: 2000, holdMs: 1000, tailMs: 2000 }
    : { warmupMs: 8000, onMs: 16000, offMs: 28000, totalMs: 42000, settleMs: 4000, holdMs: 2000, tailMs: 4000 };
  log(`[precise] ${rounds} round(s) of ${plan.totalMs / 1000} s: on at ${plan.onMs / 1000} s, off at ${plan.offMs / 1000} s, ` +
    `concurrency ${CONCURRENCY} per server (one switching, one control)`);
  const runs = [];
  for (let round = 0; round < rounds; round++) runs.push(await switchRound(plan, round));

  const med = (key) => median(runs.map((r) => r[key]));
  const range = (key) => `[${Math.min(...runs.map((r) => r[key])).toFixed(3)}-${Math.max(...runs.map((r) => r[key])).toFixed(3)}]`;
  const recoveries = runs.map((r) => (r.recoveryMs === null ? null : Math.round(r.recoveryMs)));
  const summary = {
    heaps, plan, tickMs: TICK_MS, windowTicks: WINDOW, concurrency: CONCURRENCY,
    preciseRatio: med('preciseRatio'), afterRatio: med('afterRatio'), dipAfterOn: med('dipAfterOn'),
    bandLow: median(runs.map((r) => r.band.low)), bandHigh: median(runs.map((r) => r.band.high)),
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
  figures.push(figure('precise', `HTTP req per CPU-s vs a control: A/A band of 1 s windows [${summary.bandLow.toFixed(3)}-${summary.bandHigh.toFixed(3)}] x median`,
    1, 'x', '(noise)'));
  figures.push(figure('precise', `HTTP while precise / before ${range('preciseRatio')}`, summary.preciseRatio, 'x', ''));
  figures.push(figure('precise', `HTTP in the last ${plan.tailMs / 1000} s after the off switch / before ${range('afterRatio')}`, summary.afterRatio, 'x', ''));
  figures.push(figure('precise', `HTTP: back inside the A/A band after the off switch, per round ${JSON.stringify(recoveries)}`,
    summary.recoveryMs, 'ms', ''));
  figures.push(figure('precise', 'HTTP: longest request around the on / off switch (typical tick max ' +
    `${summary.maxWaitBeforeMs.toFixed(0)} ms), off ${summary.maxWaitOffMs.toFixed(0)} ms`, summary.maxWaitOnMs, 'ms', ''));
  return { data: summary, figures };
}

module.exports = { runPrecise };
