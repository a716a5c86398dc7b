'use strict';
// Part (suspects): what the suspects window costs while it is open. The same
// allocation-heavy loop (suspects-work.js) in fresh processes, plain and with
// allocation tracking on, alternating over rounds (pairs cancel the machine's
// drift); the ratio of operations per second is the slowdown.
const path = require('node:path');
const { NODE, runOk, median, figure, writeJson, log, table } = require('./lib');

const WORK = path.join(__dirname, 'suspects-work.js');

async function once(mode, ms) {
  const r = await runOk(NODE, [WORK, mode, String(ms)], { timeoutMs: ms + 60000 });
  return JSON.parse(r.stdout.trim().split('\n').pop()).opsPerSec;
}

async function runSuspects({ quick }) {
  const rounds = quick ? 2 : 5;
  const ms = quick ? 1500 : 3000;
  const rows = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? ['plain', 'tracking'] : ['tracking', 'plain'];
    const got = {};
    for (const mode of order) got[mode] = await once(mode, ms);
    rows.push({ round: i + 1, plain: got.plain, tracking: got.tracking, ratio: got.plain / got.tracking });
    log(`[suspects] round ${i + 1}: plain ${got.plain.toFixed(0)} ops/s, tracking ${got.tracking.toFixed(0)} ops/s (${(got.plain / got.tracking).toFixed(2)}x slower)`);
  }
  const ratio = median(rows.map((r) => r.ratio));
  log(table(['round', 'plain ops/s', 'tracking ops/s', 'slowdown'], rows.map((r) => [r.round, r.plain.toFixed(0), r.tracking.toFixed(0), r.ratio.toFixed(2)])));
  writeJson(quick ? 'suspects-quick.json' : 'suspects.json', { rows, ratio });
  return {
    data: { rows, ratio },
    figures: [figure('suspects', `allocation-heavy loop while a suspects window tracks allocations: slowdown (median of ${rounds} alternating rounds) [${Math.min(...rows.map((r) => r.ratio)).toFixed(2)}-${Math.max(...rows.map((r) => r.ratio)).toFixed(2)}]`, ratio, 'x', '(stated in the answer)', null)],
  };
}

module.exports = { runSuspects };
