'use strict';
// Part (e): `alloctrace report` and `info` on large traces (100 and 200 MB;
// ~10 MB with --quick): wall time and peak RSS of each command, and decode
// throughput (protobufjs against the hand decoder, in this process). The trace is a real one recorded from bench/churn-work.js at a
// 64-byte interval (the seed), amplified to size by bench/amplify-trace.js; both
// are cached in bench/out/ (delete them to make new ones).
const fs = require('node:fs');
const path = require('node:path');
const { OUT, REGISTER, CLI, ROOT, cleanEnv, run, runOk, median, figure, writeJson, table, log, ensureOut } = require('./lib');
const { amplify } = require('./amplify-trace');

const WORK = path.join(__dirname, 'churn-work.js');
const SEED_SECONDS = 20;

async function makeSeed(file) {
  if (fs.existsSync(file)) return { cached: true };
  log(`[report] recording a ${SEED_SECONDS} s seed trace at a 64-byte interval ...`);
  const tmp = `${file}.partial`;
  const r = await runOk(process.execPath, ['--require', REGISTER, WORK, String(SEED_SECONDS), '500', '100'], {
    env: cleanEnv({ ALLOCTRACE_FILE: tmp, ALLOCTRACE_INTERVAL: '64', ALLOCTRACE_POLL_MS: '200' }),
    timeoutMs: 5 * 60 * 1000,
  });
  fs.renameSync(tmp, file);
  return { cached: false, seconds: r.ms / 1000 };
}

async function makeTrace(file, bytes) {
  const seedFile = path.join(OUT, 'seed-64.atrace');
  const seed = await makeSeed(seedFile);
  if (fs.existsSync(file) && fs.statSync(file).size >= bytes * 0.8) {
    log(`[report] using cached ${path.relative(ROOT, file)} (${(fs.statSync(file).size / 1e6).toFixed(1)} MB)`);
    return { seed, cached: true };
  }
  const t0 = Date.now();
  const a = amplify(seedFile, file, bytes);
  log(`[report] made ${path.relative(ROOT, file)}: ${(a.bytes / 1e6).toFixed(1)} MB, ${a.allocs} allocs, ` +
    `${a.frees} frees (${a.copies} x the ${(fs.statSync(seedFile).size / 1e6).toFixed(1)} MB seed) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { seed, cached: false, ...a };
}

const MB = 1e6;
const RSS_PRELOAD = path.join(__dirname, 'max-rss-preload.js');

/** Runs the CLI with the peak-RSS preload; returns wall seconds, peak RSS in MB, and the run. */
async function measured(cli, args) {
  const r = await run(process.execPath, ['--require', RSS_PRELOAD, cli, ...args], { timeoutMs: 10 * 60 * 1000 });
  const m = /\nbench-max-rss-kib (\d+)\n$/.exec(r.stderr);
  return { seconds: r.ms / 1000, rssMB: m ? (Number(m[1]) * 1024) / MB : NaN, code: r.code,
    stdout: r.stdout, stderr: m ? r.stderr.slice(0, m.index) : r.stderr };
}

/** Decode throughput in this process, both decoders side by side on the same file (page cache warm). */
function decodeThroughput(file, size) {
  const { TraceReader } = require('../dist/format/reader');
  const { loadTrace } = require('../dist/replay/load');
  const time = (fn) => { const t0 = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - t0) / 1e9; };
  const drain = (it) => { let n = 0; for (const _ of it) n++; return n; };
  const protobufjs = time(() => drain(new TraceReader(file).records()));
  const hand = time(() => drain(new TraceReader(file).fastRecords()));
  const counting = time(() => drain(new TraceReader(file).fastRecords(true)));
  const load = time(() => loadTrace(file));
  return {
    protobufjsMBs: size / MB / protobufjs, handMBs: size / MB / hand, countMBs: size / MB / counting, loadMBs: size / MB / load,
  };
}

const CASES = [
  { name: 'info', args: (f) => ['info', f] },
  { name: 'report (lineno)', args: (f) => ['report', f, '--top', '10'] },
  { name: 'report --group-by traceback', args: (f) => ['report', f, '--group-by', 'traceback', '--top', '10'] },
  { name: 'report --at peak', args: (f) => ['report', f, '--at', 'peak', '--top', '10'] },
  // The HTML report: its build here, its page's size below (an older checkout has no html command).
  { name: 'html', args: (f) => ['html', f, '-o', htmlPage(f), '--force'], page: true },
];

function htmlPage(trace) {
  return trace.replace(/\.atrace$/, '.html');
}

// BENCH_REPORT_BASELINE=/path/to/another/checkout (built): each case also runs
// with that checkout's CLI, alternating with this one, for a before/after column.
const BASELINE = process.env.BENCH_REPORT_BASELINE ? path.join(process.env.BENCH_REPORT_BASELINE, 'bin', 'alloctrace.js') : null;

async function benchSize(bytes, label, reps) {
  const file = path.join(OUT, `large-${label}.atrace`);
  const made = await makeTrace(file, bytes);
  const size = fs.statSync(file).size;
  const counts = require('./trace-count').countTrace(file);
  const decode = decodeThroughput(file, size);
  log(`[report] ${label}: decode ${decode.protobufjsMBs.toFixed(0)} MB/s with protobufjs, ${decode.handMBs.toFixed(0)} MB/s by hand ` +
    `(${(decode.handMBs / decode.protobufjsMBs).toFixed(1)} x), counting only ${decode.countMBs.toFixed(0)} MB/s; whole load ${decode.loadMBs.toFixed(0)} MB/s`);
  const rows = [];
  for (const c of CASES) {
    const row = { size: label, name: c.name, seconds: [], rssMB: [], baseSeconds: [], baseRssMB: [], code: 0 };
    for (let i = 0; i < reps; i++) {
      for (const [cli, secs, rss] of [[CLI, row.seconds, row.rssMB], ...(BASELINE && !c.page ? [[BASELINE, row.baseSeconds, row.baseRssMB]] : [])]) {
        const r = await measured(cli, c.args(file));
        if (r.code !== 0) {
          row.code = r.code;
          log(`[report] ${c.name} (${cli}) exited ${r.code}:\n${r.stderr.slice(-1500)}`);
          break;
        }
        secs.push(r.seconds);
        rss.push(r.rssMB);
        if (i === 0 && cli === CLI) row.stdoutHead = r.stdout.split('\n').slice(0, 6).join('\n');
      }
    }
    row.medianSeconds = median(row.seconds);
    row.peakRssMB = Math.max(...row.rssMB);
    if (c.page && row.code === 0) row.pageKB = fs.statSync(htmlPage(file)).size / 1024;
    if (BASELINE && !c.page) {
      row.baseMedianSeconds = median(row.baseSeconds);
      row.basePeakRssMB = Math.max(...row.baseRssMB);
    }
    log(`[report] ${label} ${c.name}: ${row.seconds.map((t) => t.toFixed(2)).join(', ')} s, peak RSS ${row.peakRssMB.toFixed(0)} MB` +
      (BASELINE ? `; baseline ${row.baseSeconds.map((t) => t.toFixed(2)).join(', ')} s, ${row.basePeakRssMB.toFixed(0)} MB` : ''));
    rows.push(row);
  }
  return { file, size, allocs: counts.allocs, frees: counts.frees, made, decode, rows };
}

async function runReport({ quick }) {
  ensureOut();
  const cliMain = path.join(ROOT, 'dist', 'cli', 'main.js');
  if (!fs.existsSync(cliMain)) {
    log(`[report] ${path.relative(ROOT, cliMain)} is missing: the report CLI is not built yet`);
    return { data: { error: 'CLI not built' }, figures: [figure('report', 'report CLI not built yet (dist/cli/main.js)', null, '', '< 3 s', null)] };
  }
  const sizes = quick ? [[10e6, '10MB']] : [[100e6, '100MB'], [200e6, '200MB']];
  const reps = quick ? 1 : 3;
  const results = [];
  for (const [bytes, label] of sizes) results.push(await benchSize(bytes, label, reps));
  writeJson(quick ? 'report-quick.json' : 'report.json', { baseline: BASELINE, results });
  const rows = results.flatMap((r) => r.rows);
  log(`\n[report] ${results.map((r) => `${r.size / MB | 0} MB: ${r.allocs} sampled allocations, ${r.frees} frees`).join('; ')}`);
  log(`[report] decode MB/s (protobufjs / by hand / counting only / whole load): ${results.map((r) =>
    `${r.size / MB | 0} MB ${[r.decode.protobufjsMBs, r.decode.handMBs, r.decode.countMBs, r.decode.loadMBs].map((x) => x.toFixed(0)).join(' / ')}`).join('; ')}`);
  const head = ['trace', 'command', 'seconds (median)', 'peak RSS MB', ...(BASELINE ? ['baseline s', 'baseline RSS MB'] : []), 'exit'];
  log(table(head, rows.map((r) => [r.size, r.name, r.medianSeconds.toFixed(2), r.peakRssMB.toFixed(0),
    ...(BASELINE ? [r.baseMedianSeconds.toFixed(2), r.basePeakRssMB.toFixed(0)] : []), r.code])));
  const target = (r) => (r.name === 'info' ? 0.5 : 3) * (r.size === '200MB' ? 2 : 1);
  return {
    data: results,
    figures: [
      ...results.map((r) => figure('report', `decode by hand, ${r.size / MB | 0} MB (protobufjs: ${r.decode.protobufjsMBs.toFixed(0)})`, r.decode.handMBs, 'MB/s', '', null)),
      ...rows.map((r) => figure('report', `${r.name}, ${r.size}`, r.code === 0 ? r.medianSeconds : null, 's',
        `< ${target(r)}`, r.code === 0 ? r.medianSeconds < target(r) : false)),
      ...rows.map((r) => figure('report', `${r.name}, ${r.size}: peak RSS`, r.code === 0 ? r.peakRssMB : null, 'MB',
        '< 300', r.code === 0 ? r.peakRssMB < 300 : false)),
    ],
  };
}

module.exports = { runReport };
