'use strict';
// Part (c): the cost of one poll with 10^3, 10^4, 10^5 live samples (child:
// bench/poll-work.js). Steady-state polls (nothing new) are the figure; the
// first poll, which encodes every new sample, is reported beside them. Then
// the same first poll when it also rotates the file (ALLOCTRACE_MAX_BYTES):
// the difference is what a rotation costs the app's thread, and the new
// file's self-contained start is its cost on disk.
const fs = require('node:fs');
const path = require('node:path');
const { OUT, cleanEnv, runOk, median, figure, writeJson, table, log, ensureOut } = require('./lib');

const WORK = path.join(__dirname, 'poll-work.js');

async function runPoll({ quick }) {
  ensureOut();
  const sizes = quick ? [1e3, 1e4] : [1e3, 1e4, 1e5];
  const reps = quick ? 1 : 5;
  const rows = [];
  for (const target of sizes) {
    const results = [];
    const rotations = [];
    for (let rep = 0; rep < reps; rep++) {
      // Alternating, so that the machine's drift hits both alike.
      for (const rotate of [false, true]) {
        const file = path.join(OUT, `poll-${target}.atrace`);
        const r = await runOk(process.execPath, ['--expose-gc', WORK, String(target), file],
          { env: cleanEnv({ BENCH_ROTATE: rotate ? '1' : '0' }) });
        for (const f of fs.readdirSync(OUT)) if (f.startsWith(`poll-${target}.`)) fs.rmSync(path.join(OUT, f));
        (rotate ? rotations : results).push(JSON.parse(r.stdout));
      }
    }
    const live = median(results.map((x) => x.live));
    const steadyMs = median(results.map((x) => x.steadyMedianMs));
    const row = {
      target, live, fresh: median(results.map((x) => x.fresh)),
      firstMs: median(results.map((x) => x.firstMs)),
      steadyMs, steadyMinMs: Math.min(...results.map((x) => x.steadyMinMs)),
      msPer1e4: median(results.map((x) => x.steadyMedianMs / x.live * 1e4)),
      firstMsPer1e4New: median(results.map((x) => x.firstMs / x.fresh * 1e4)),
      rotatingFirstMs: median(rotations.map((x) => x.firstMs)),
      // Paired by repetition (run with and without rotation back to back), CPU time.
      rotationCpuMs: median(rotations.map((x, i) => x.firstCpuMs - results[i].firstCpuMs)),
      restated: median(rotations.map((x) => x.restated)),
      rotatedStartBytes: median(rotations.map((x) => x.rotatedStartBytes)),
      runs: results,
      rotatingRuns: rotations,
    };
    row.rotationMs = row.rotatingFirstMs - row.firstMs;
    rows.push(row);
    log(`[poll] ~${target} live: ${row.live} live, steady ${row.steadyMs.toFixed(3)} ms/poll ` +
      `(${row.msPer1e4.toFixed(3)} ms per 10^4), first poll ${row.firstMs.toFixed(2)} ms for ${row.fresh} new; ` +
      `rotating in it ${row.rotatingFirstMs.toFixed(2)} ms (+${row.rotationMs.toFixed(2)}; CPU +${row.rotationCpuMs.toFixed(2)} ms), new file starts with ` +
      `${row.rotatedStartBytes} B for ${row.restated} live samples`);
  }
  writeJson(quick ? 'poll-quick.json' : 'poll.json', { interval: 128, reps, rows });
  log(`\n[poll] median of ${reps} process(es) x 15 polls each; interval 128 B`);
  log(table(['live samples', 'steady ms/poll', 'ms per 10^4 live', 'first poll ms', 'new samples', 'ms per 10^4 new',
    'first poll + rotation ms', 'rotation ms', 'rotation CPU ms', 'rotated start B', 'B per live sample'],
    rows.map((r) => [r.live, r.steadyMs.toFixed(3), r.msPer1e4.toFixed(3), r.firstMs.toFixed(2), r.fresh,
      r.firstMsPer1e4New.toFixed(3), r.rotatingFirstMs.toFixed(2), r.rotationMs.toFixed(2), r.rotationCpuMs.toFixed(2), r.rotatedStartBytes,
      (r.rotatedStartBytes / r.restated).toFixed(2)])));
  // The target is about the per-sample slope: judge it where samples dominate (>= 10^4 live).
  const big = rows.filter((r) => r.target >= 1e4);
  const worst = Math.max(...big.map((r) => r.msPer1e4));
  const figures = rows.map((r) => figure('poll', `steady poll, ${r.live} live samples`, r.steadyMs, 'ms', ''));
  figures.push(figure('poll', 'steady poll per 10^4 live (worst of >= 10^4)', worst, 'ms', '≤ 1', worst <= 1));
  const last = rows[rows.length - 1];
  figures.push(figure('poll', `first poll, ${last.fresh} new samples`, last.firstMs, 'ms', ''));
  for (const r of rows) {
    figures.push(figure('poll', `a rotation, ${r.restated} live samples (first poll with − without, CPU)`, r.rotationCpuMs, 'ms', ''));
  }
  return { data: rows, figures };
}

module.exports = { runPoll };
