'use strict';
// Part (e): wall time of `alloctrace report` on a large trace (~100 MB; ~10 MB
// with --quick). The trace is a real one recorded from bench/churn-work.js at a
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

async function runReport({ quick }) {
  ensureOut();
  const bytes = quick ? 10e6 : 100e6;
  const file = path.join(OUT, quick ? 'large-10MB.atrace' : 'large-100MB.atrace');
  const made = await makeTrace(file, bytes);
  const size = fs.statSync(file).size;
  const counts = require('./trace-count').countTrace(file);
  const cliMain = path.join(ROOT, 'dist', 'cli', 'main.js');
  if (!fs.existsSync(cliMain)) {
    log(`[report] ${path.relative(ROOT, cliMain)} is missing: the report CLI is not built yet; trace kept at ${file}`);
    return { data: { file, size, made, error: 'CLI not built' },
      figures: [figure('report', 'report CLI not built yet (dist/cli/main.js)', null, '', '< 10 s', null)] };
  }
  const reps = quick ? 1 : 2;
  const cases = [
    { name: 'report --top 10', args: ['report', file, '--top', '10'] },
    { name: 'report --group-by traceback --top 10', args: ['report', file, '--group-by', 'traceback', '--top', '10'] },
    { name: 'report --at peak --top 10', args: ['report', file, '--at', 'peak', '--top', '10'] },
  ];
  const rows = [];
  for (const c of cases) {
    const times = [];
    let last;
    for (let i = 0; i < reps; i++) {
      last = await run(process.execPath, [CLI, ...c.args], { timeoutMs: 10 * 60 * 1000 });
      if (last.code !== 0) break;
      times.push(last.ms / 1000);
    }
    const row = { name: c.name, seconds: median(times), times, code: last.code,
      stdoutHead: last.stdout.split('\n').slice(0, 14).join('\n'), stderrTail: last.stderr.slice(-1500) };
    rows.push(row);
    if (last.code !== 0) log(`[report] ${c.name} exited ${last.code ?? last.signal}:\n${last.stderr.slice(-1500)}`);
    else log(`[report] ${c.name}: ${times.map((t) => t.toFixed(2)).join(', ')} s\n${row.stdoutHead}`);
  }
  writeJson(quick ? 'report-quick.json' : 'report.json',
    { file, size, allocs: counts.allocs, frees: counts.frees, made, rows });
  log(`\n[report] ${(size / 1e6).toFixed(1)} MB trace, ${counts.allocs} sampled allocations, ${counts.frees} frees`);
  log(table(['command', 'seconds', 'exit'], rows.map((r) => [r.name, Number.isFinite(r.seconds) ? r.seconds.toFixed(2) : '-', r.code])));
  return {
    data: rows,
    figures: rows.map((r) => figure('report', `${r.name}, ${(size / 1e6).toFixed(0)} MB`, r.code === 0 ? r.seconds : null,
      's', '< 10', r.code === 0 ? r.seconds < 10 : false)),
  };
}

module.exports = { runReport };
