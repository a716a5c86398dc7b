'use strict';
// Part (b): throughput and p99 latency of bench/http-server.js under
// bench/http-load.js, in alternating rounds over the configs (the order rotates
// each round), with an A/A pair (none, none-again) that shows the machine's
// noise, and two other heap profilers at alloctrace's interval (512 KiB):
// node's own --heap-prof and @datadog/pprof (bench/datadog-preload.js).
// Headline ratios are medians of per-round ratios to the same round's "none"
// (pairing cancels slow drift of the machine); ratios of medians are kept too.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { OUT, REGISTER, NODE, cleanEnv, runOk, median, figure, writeJson, table, log, ensureOut } = require('./lib');

const SERVER = path.join(__dirname, 'http-server.js');
const LOAD = path.join(__dirname, 'http-load.js');
const DATADOG = path.join(__dirname, 'datadog-preload.js');
const CONCURRENCY = 16;
const INTERVAL = 524288; // alloctrace's default sampling interval, used by every profiler here
const RSS_TARGET = 1.05;

// alloctrace: writes a trace file; heapProf: node --heap-prof (one profile written
// at exit into a temporary directory); preload: a --require'd module.
const CONFIGS = {
  none: {},
  'none-again': {},
  alloctrace: { preload: REGISTER, alloctrace: true },
  'alloctrace-precise': { preload: REGISTER, alloctrace: true, env: { ALLOCTRACE_PRECISE: '1' } },
  'heap-prof': { heapProf: true },
  datadog: { preload: DATADOG },
};

function startServer(name, config, heapProfDir) {
  const args = [];
  if (config.heapProf) args.push('--heap-prof', `--heap-prof-interval=${INTERVAL}`, `--heap-prof-dir=${heapProfDir}`);
  if (config.preload) args.push('--require', config.preload);
  args.push(SERVER);
  const traceFile = path.join(OUT, `http-${name}.atrace`);
  const env = cleanEnv(config.alloctrace ? { ALLOCTRACE_FILE: traceFile, ...(config.env || {}) } : {});
  const child = spawn(NODE, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('server did not start')); }, 15000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve({ child, port: JSON.parse(buf.slice(0, nl)).port, traceFile });
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code} before listening`)); });
  });
}

function stopServer({ child, port }) {
  return new Promise((resolve, reject) => {
    const exited = new Promise((r) => child.on('exit', (code) => r(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    const req = http.request({ host: '127.0.0.1', port, path: '/exit', method: 'POST', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => { body += d; });
      res.on('end', async () => {
        const code = await exited;
        clearTimeout(timer);
        resolve({ stats: JSON.parse(body), exitCode: code });
      });
    });
    req.on('error', (err) => { clearTimeout(timer); child.kill('SIGKILL'); reject(err); });
    req.end();
  });
}

async function oneRun(name, config, durationMs, warmupMs, heapProfDir) {
  const server = await startServer(name, config, heapProfDir);
  let load;
  let end;
  try {
    const r = await runOk(process.execPath, [LOAD, String(server.port), String(durationMs), String(CONCURRENCY),
      String(warmupMs)], { timeoutMs: durationMs + warmupMs + 30000 });
    load = JSON.parse(r.stdout);
  } finally {
    end = await stopServer(server);
  }
  // Bytes the profiler wrote: alloctrace's trace, or --heap-prof's profile.
  let traceBytes = null;
  if (config.alloctrace && fs.existsSync(server.traceFile)) {
    traceBytes = fs.statSync(server.traceFile).size;
    fs.unlinkSync(server.traceFile);
  }
  if (config.heapProf) {
    traceBytes = 0;
    for (const f of fs.readdirSync(heapProfDir)) {
      const file = path.join(heapProfDir, f);
      traceBytes += fs.statSync(file).size;
      fs.unlinkSync(file);
    }
  }
  return { ...load, rss: end.stats.rss, heapUsed: end.stats.heapUsed, traceBytes };
}

function spread(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return { min: Math.min(...v), median: median(v), max: Math.max(...v) };
}

async function runHttp({ quick }) {
  ensureOut();
  const rounds = Number(process.env.BENCH_HTTP_ROUNDS) || (quick ? 1 : 8);
  const durationMs = Number(process.env.BENCH_HTTP_MS) || (quick ? 1500 : 3000);
  const warmupMs = quick ? 500 : 1000;
  // BENCH_HTTP_CONFIGS=alloctrace,alloctrace-precise picks some (none and its A/A pair always run).
  const picked = (process.env.BENCH_HTTP_CONFIGS || '').split(',').filter(Boolean);
  const unknown = picked.filter((n) => !(n in CONFIGS));
  if (unknown.length) throw new Error(`BENCH_HTTP_CONFIGS: unknown config ${unknown.join(', ')}`);
  const names = picked.length ? ['none', 'none-again', ...picked.filter((n) => !n.startsWith('none'))] : Object.keys(CONFIGS);
  log(`[http] ${rounds} round(s) x ${names.length} configs, ${durationMs} ms each after ${warmupMs} ms warm-up, ` +
    `concurrency ${CONCURRENCY}`);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  const heapProfDir = fs.mkdtempSync(path.join(OUT, 'heap-prof-'));
  try {
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so no config always runs first or last.
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const name of order) {
        const r = await oneRun(name, CONFIGS[name], durationMs, warmupMs, heapProfDir);
        runs[name].push(r);
        log(`[http] round ${round + 1} ${name.padEnd(19)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${r.p99Ms.toFixed(2)} ms` +
          `  rss ${(r.rss / 2 ** 20).toFixed(1)} MiB${r.errors ? `  errors ${r.errors}` : ''}`);
      }
    }
  } finally {
    fs.rmSync(heapProfDir, { recursive: true, force: true });
  }
  const per = {};
  for (const name of names) {
    const rs = runs[name];
    per[name] = {
      rps: median(rs.map((r) => r.rps)), p99Ms: median(rs.map((r) => r.p99Ms)), p50Ms: median(rs.map((r) => r.p50Ms)),
      rss: median(rs.map((r) => r.rss)), errors: rs.reduce((s, r) => s + r.errors, 0),
      traceBytes: median(rs.map((r) => r.traceBytes ?? NaN)),
    };
  }
  const base = per.none;
  const none = runs.none;
  for (const name of names) {
    const p = per[name];
    // Ratios of medians.
    p.rpsRatio = p.rps / base.rps;
    p.p99Ratio = p.p99Ms / base.p99Ms;
    p.rssRatio = p.rss / base.rss;
    // Per-round ratios to that round's "none": median (the headline) and range.
    const rs = runs[name];
    p.perRound = {
      rps: spread(rs.map((r, i) => r.rps / none[i].rps)),
      p99: spread(rs.map((r, i) => r.p99Ms / none[i].p99Ms)),
      rss: spread(rs.map((r, i) => r.rss / none[i].rss)),
    };
  }
  const aa = per['none-again'].perRound;
  writeJson(quick ? 'http-quick.json' : 'http.json', {
    rounds, durationMs, warmupMs, concurrency: CONCURRENCY, interval: INTERVAL, configs: per, runs,
  });
  const f3 = (x) => x.toFixed(3);
  const range = (s) => `${f3(s.min)}-${f3(s.max)}`;
  log(`\n[http] ${rounds} round(s). "x none" = median of the per-round ratios to the same round's none ` +
    '[their min-max]; "med/med" = ratio of the medians. none-again/none is the A/A noise.');
  log(table(['config', 'req/s', 'x none', '[per round]', 'med/med', 'p99 ms', 'x none', '[per round]',
    'RSS MiB', 'x none', '[per round]', 'output KiB'],
  names.map((n) => {
    const p = per[n];
    return [n, p.rps.toFixed(0), f3(p.perRound.rps.median), range(p.perRound.rps), f3(p.rpsRatio),
      p.p99Ms.toFixed(2), f3(p.perRound.p99.median), range(p.perRound.p99),
      (p.rss / 2 ** 20).toFixed(1), f3(p.perRound.rss.median), range(p.perRound.rss),
      Number.isFinite(p.traceBytes) ? (p.traceBytes / 1024).toFixed(1) : '-'];
  })));
  log('heap-prof = node --heap-prof (512 KiB, written at exit); datadog = @datadog/pprof heap profiler ' +
    '(512 KiB, depth 64, profile() + encode() every 1 s); output = trace / profile file bytes.');

  // One round has no spread: --quick's figures are not judged.
  const judge = (ok) => (quick ? null : ok);
  const figures = [];
  const at = (s) => `[${range(s)}]`;
  figures.push(figure('http', `throughput A/A: none-again / none per round ${at(aa.rps)}`, aa.rps.median, 'x', '(noise)'));
  for (const n of names.slice(2)) {
    const s = per[n].perRound.rps;
    const judged = n === 'alloctrace';
    figures.push(figure('http', `throughput: ${n} / none ${at(s)}`, s.median, 'x',
      judged ? `≥ A/A min ${f3(aa.rps.min)}` : '', judged ? judge(s.median >= aa.rps.min) : null));
  }
  figures.push(figure('http', `p99 A/A: none-again / none per round ${at(aa.p99)}`, aa.p99.median, 'x', '(noise)'));
  for (const n of names.slice(2)) {
    figures.push(figure('http', `p99: ${n} / none ${at(per[n].perRound.p99)}`, per[n].perRound.p99.median, 'x', ''));
  }
  figures.push(figure('http', `RSS at end A/A: none-again / none per round ${at(aa.rss)}`, aa.rss.median, 'x', '(noise)'));
  for (const n of names.slice(2)) {
    const s = per[n].perRound.rss;
    const judged = n === 'alloctrace';
    figures.push(figure('http', `RSS at end: ${n} / none ${at(s)}`, s.median, 'x',
      judged ? `≤ ${RSS_TARGET}` : '', judged ? judge(s.median <= RSS_TARGET) : null));
  }
  figures.push(figure('http', 'throughput: none (median)', Math.round(base.rps), 'req/s', ''));
  return { data: per, figures };
}

module.exports = { runHttp };
