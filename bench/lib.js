'use strict';
// Small helpers shared by the bench parts: paths, child processes, statistics,
// formatting and the result rows of the final table.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
// Another line's results (run.js --node) go to their own folder.
const OUT = path.join(__dirname, 'out', process.env.BENCH_OUT_TAG || '');
const REGISTER = path.join(ROOT, 'dist', 'register.js');
const SAMPLER = path.join(__dirname, 'sampler-preload.js');
const CLI = path.join(ROOT, 'bin', 'alloctrace.js');

/**
 * The node that runs the measured programs: `node bench/run.js --node PATH`
 * (any supported line; run.js puts it in BENCH_NODE), else this one. The load
 * generators and the CLI stay on this node.
 */
const NODE = process.env.BENCH_NODE || process.execPath;

function ensureOut() {
  fs.mkdirSync(OUT, { recursive: true });
  return OUT;
}

/**
 * Environment without any ALLOCTRACE_* or NODE_OPTIONS inherited from the
 * caller. For another line's node the addon comes from prebuilds/ (build/
 * holds this node's), as an installed package's would.
 */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('ALLOCTRACE_') && !k.startsWith('BENCH_') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  if (NODE !== process.execPath) env.PREBUILDS_ONLY = '1';
  return Object.assign(env, extra);
}

/**
 * Runs a command to completion; resolves {code, signal, stdout, stderr, ms}.
 * `timeoutMs` kills the child (SIGKILL) if it runs too long.
 */
function run(cmd, args, { env, cwd = ROOT, timeoutMs = 10 * 60 * 1000, input } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: env || cleanEnv(), cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    });
    child.stdin.end(input);
  });
}

/** Like run() but rejects unless the command exits 0. */
async function runOk(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const tail = `${r.stderr}\n${r.stdout}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code ?? r.signal}:\n${tail}`);
  }
  return r;
}

/** Runs async jobs with at most `limit` at a time, keeping their order in the result. */
async function pool(jobs, limit) {
  const results = new Array(jobs.length);
  let next = 0;
  async function worker() {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function fmt(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (typeof x !== 'number') return String(x);
  if (Number.isInteger(x) && Math.abs(x) >= 1000) return x.toLocaleString('en-US');
  return Number(x.toPrecision(digits)).toString();
}

/**
 * Prints rows (arrays of cells) as an aligned text table. `align` has one
 * letter per column, l or r (default: first column left, the others right).
 */
function table(header, rows, align) {
  const cells = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? fmt(c, 4) : String(c ?? '-'))));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const left = (i) => (align ? align[i] === 'l' : i === 0);
  const line = (r) => r.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  ').trimEnd(), ...cells.slice(1).map(line)].join('\n');
}

/**
 * A figure for the summary table. `target` is text such as '≤ 1.01'; `ok` is
 * true/false when the figure has a target, null otherwise.
 */
function figure(part, name, value, unit, target, ok = null) {
  return { part, name, value, unit, target: target || '', ok };
}

function writeJson(name, data) {
  ensureOut();
  const file = path.join(OUT, name);
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

function log(...args) {
  process.stderr.write(`${args.join(' ')}\n`);
}

module.exports = {
  ROOT, OUT, REGISTER, SAMPLER, CLI, NODE,
  ensureOut, cleanEnv, run, runOk, pool, median, fmt, table, figure, writeJson, log,
};
