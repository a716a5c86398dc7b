'use strict';
// Part (b): throughput and p99 latency of bench/http-server.js under
// bench/http-load.js, in alternating rounds over the configs, with an A/A pair
// (none, none-again) that shows the machine's noise. Ratios are of medians.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const { OUT, REGISTER, cleanEnv, runOk, median, figure, writeJson, table, log, ensureOut } = require('./lib');

const SERVER = path.join(__dirname, 'http-server.js');
const LOAD = path.join(__dirname, 'http-load.js');
const CONCURRENCY = 16;

const CONFIGS = {
  none: {},
  'none-again': {},
  alloctrace: { preload: true },
  'alloctrace-precise': { preload: true, env: { ALLOCTRACE_PRECISE: '1' } },
};

function startServer(name, config) {
  const args = config.preload ? ['--require', REGISTER, SERVER] : [SERVER];
  const traceFile = path.join(OUT, `http-${name}.atrace`);
  const env = cleanEnv(config.preload ? { ALLOCTRACE_FILE: traceFile, ...(config.env || {}) } : {});
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
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

async function oneRun(name, config, durationMs, warmupMs) {
  const server = await startServer(name, config);
  let load;
  let end;
  try {
    const r = await runOk(process.execPath, [LOAD, String(server.port), String(durationMs), String(CONCURRENCY),
      String(warmupMs)], { timeoutMs: durationMs + warmupMs + 30000 });
    load = JSON.parse(r.stdout);
  } finally {
    end = await stopServer(server);
  }
  let traceBytes = null;
  if (config.preload && fs.existsSync(server.traceFile)) {
    traceBytes = fs.statSync(server.traceFile).size;
    fs.unlinkSync(server.traceFile);
  }
  return { ...load, rss: end.stats.rss, heapUsed: end.stats.heapUsed, traceBytes };
}

async function runHttp({ quick }) {
  ensureOut();
  const rounds = Number(process.env.BENCH_HTTP_ROUNDS) || (quick ? 1 : 8);
  const durationMs = Number(process.env.BENCH_HTTP_MS) || (quick ? 1500 : 3000);
  const warmupMs = quick ? 500 : 1000;
  const names = Object.keys(CONFIGS);
  log(`[http] ${rounds} round(s) x ${names.length} configs, ${durationMs} ms each after ${warmupMs} ms warm-up, ` +
    `concurrency ${CONCURRENCY}`);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so no config always runs first or last.
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      const r = await oneRun(name, CONFIGS[name], durationMs, warmupMs);
      runs[name].push(r);
      log(`[http] round ${round + 1} ${name.padEnd(19)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${r.p99Ms.toFixed(2)} ms` +
        `  rss ${(r.rss / 2 ** 20).toFixed(1)} MiB${r.errors ? `  errors ${r.errors}` : ''}`);
    }
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
  for (const name of names) {
    per[name].rpsRatio = per[name].rps / base.rps;
    per[name].p99Ratio = per[name].p99Ms / base.p99Ms;
    per[name].rssRatio = per[name].rss / base.rss;
  }
  writeJson(quick ? 'http-quick.json' : 'http.json', { rounds, durationMs, warmupMs, concurrency: CONCURRENCY, configs: per, runs });
  log(`\n[http] medians over ${rounds} round(s); ratios vs none (none-again = A/A noise)`);
  log(table(['config', 'req/s', 'x none', 'p99 ms', 'x none', 'RSS MiB', 'x none'],
    names.map((n) => [n, per[n].rps.toFixed(0), per[n].rpsRatio.toFixed(3), per[n].p99Ms.toFixed(2),
      per[n].p99Ratio.toFixed(3), (per[n].rss / 2 ** 20).toFixed(1), per[n].rssRatio.toFixed(3)])));
  const figures = [];
  for (const n of names.slice(1)) {
    figures.push(figure('http', `throughput: ${n} / none`, per[n].rpsRatio, 'x', n === 'none-again' ? '(A/A noise)' : ''));
  }
  for (const n of names.slice(1)) figures.push(figure('http', `p99: ${n} / none`, per[n].p99Ratio, 'x', ''));
  for (const n of names.slice(2)) figures.push(figure('http', `RSS at end: ${n} / none`, per[n].rssRatio, 'x', ''));
  figures.push(figure('http', 'throughput: none (median)', Math.round(base.rps), 'req/s', ''));
  return { data: per, figures };
}

module.exports = { runHttp };
