'use strict';
// Part (f): what survives a sudden death. (1) kill -9 at random moments of an
// allocating app with the default 1 s poll: data lost = from the last poll
// in the file to the kill. (2) Running out of heap: from V8's near-heap-limit
// callback to the marker written after the final poll (the flush follows it
// at once), at two heap sizes.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { OUT, REGISTER, CLI, cleanEnv, run, runOk, median, figure, writeJson, log, ensureOut } = require('./lib');

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');

async function info(file) {
  const r = await runOk(process.execPath, [CLI, 'info', file, '--json'], { timeoutMs: 120000 });
  return JSON.parse(r.stdout);
}

/** Starts the app, kills it with SIGKILL after `ms`, returns the kill's wall time in ns. */
function killAfter(file, ms) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', REGISTER, path.join(FIXTURES, 'alloc-loop.js')], {
      env: cleanEnv({ ALLOCTRACE_FILE: file }), stdio: 'ignore',
    });
    let killedAt = 0;
    setTimeout(() => { killedAt = Date.now() * 1e6; child.kill('SIGKILL'); }, ms);
    child.on('error', reject);
    child.on('exit', () => resolve(killedAt));
  });
}

async function runResilience({ quick }) {
  ensureOut();
  const figures = [];
  const result = { kill9: [], nearHeapLimit: [] };

  const delays = quick ? [1700] : [1300, 2100, 2900, 3700, 4500, 5300];
  for (const ms of delays) {
    const file = path.join(OUT, 'kill9.atrace');
    fs.rmSync(file, { force: true });
    const killedAtNs = await killAfter(file, ms);
    const i = await info(file);
    const lastPollNs = i.header.startTimeUnixNs + i.durationNs;
    const lostMs = (killedAtNs - lastPollNs) / 1e6;
    result.kill9.push({ killAfterMs: ms, lostMs, trailer: i.trailer, allocs: i.allocs });
    log(`[resilience] kill -9 after ${ms} ms: last poll ${lostMs.toFixed(0)} ms before the kill, trailer ${i.trailer}`);
  }
  const lost = result.kill9.map((k) => k.lostMs);
  figures.push(figure('resilience', 'kill -9: data lost (median), poll 1 s', median(lost), 'ms', ''));
  figures.push(figure('resilience', 'kill -9: data lost (max)', Math.max(...lost), 'ms', '≤ 1 poll', Math.max(...lost) <= 1100));

  for (const heapMb of quick ? [64] : [64, 512]) {
    const latencies = [];
    for (let n = 0; n < (quick ? 1 : 3); n++) {
      const file = path.join(OUT, 'oom.atrace');
      fs.rmSync(file, { force: true });
      const r = await run(process.execPath, [`--max-old-space-size=${heapMb}`, '--require', REGISTER, path.join(FIXTURES, 'oom-leak.js')],
        { env: cleanEnv({ ALLOCTRACE_FILE: file }), timeoutMs: 300000 });
      const i = await info(file);
      const marker = i.markers.find((m) => m.name === 'near-heap-limit');
      if (!marker || marker.requestedNs === undefined) throw new Error(`no near-heap-limit marker (exit ${r.code ?? r.signal})`);
      const ms = (marker.timeNs - marker.requestedNs) / 1e6;
      latencies.push(ms);
      result.nearHeapLimit.push({ heapMb, callbackToMarkerMs: ms, died: r.signal || r.code });
      log(`[resilience] --max-old-space-size=${heapMb}: callback to marker ${ms.toFixed(2)} ms, died with ${r.signal || r.code}`);
    }
    figures.push(figure('resilience', `near heap limit (${heapMb} MB): callback to marker, max`, Math.max(...latencies), 'ms', ''));
  }
  writeJson(quick ? 'resilience-quick.json' : 'resilience.json', result);
  return { figures };
}

module.exports = { runResilience };
