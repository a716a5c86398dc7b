'use strict';
// Part (a): instruction counts with callgrind, which repeat to ~0.001 %.
// work cost = I(N) - I(1) of the same config; start-up = I(1) - I(1) of "none".
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');
const {
  OUT, REGISTER, SAMPLER, NODE, cleanEnv, run, runOk, pool, median, figure, writeJson, table, log, ensureOut,
} = require('./lib');

const WORK = path.join(__dirname, 'work-alloc.js');
const BINDING = path.join(__dirname, 'binding-preload.js');
const STARTSTOP = path.join(__dirname, 'startstop-preload.js');
// --predictable-gc-schedule fixes V8's heap-growing heuristics, which otherwise follow
// the wall clock (measured: counts moved 1 % under load without it, 0.1 % with it).
const NODE_FLAGS = ['--predictable', '--predictable-gc-schedule', '--random-seed=1', '--hash-seed=1'];

function configs(pollScaledMs) {
  const trace = (name) => ({ ALLOCTRACE_FILE: path.join(OUT, `callgrind-${name}.atrace`) });
  return {
    none: { args: [], env: {} },
    sampler: { args: ['--require', SAMPLER], env: {} },
    binding: { args: ['--require', BINDING], env: {}, startupOnly: true },
    'native-start-stop-no-gc': { args: ['--require', STARTSTOP], env: trace('startstop'), startupOnly: true },
    // The preload's JS modules without tracing: a bad option makes it warn and stop.
    'preload-modules-only': { args: ['--require', REGISTER], env: { ALLOCTRACE_INTERVAL: 'bogus' }, startupOnly: true },
    alloctrace: { args: ['--require', REGISTER], env: trace('default') },
    // Precise mode turns inlining off (TurboFan's and Maglev's), so its cost is
    // mostly the slower JIT code and depends on the workload; no-inlining is those
    // flags alone, without any profiler, to separate the two.
    'alloctrace-precise': { args: ['--require', REGISTER], env: { ...trace('precise'), ALLOCTRACE_PRECISE: '1' } },
    'no-inlining': { args: ['--no-turbo-inlining', '--no-maglev-inlining'], env: {} },
    // Polls at the native pace: valgrind slows node ~50x, so the default 1 s
    // poll would fire ~50x more often per unit of work than it does natively.
    'alloctrace-poll-scaled': {
      args: ['--require', REGISTER], env: { ...trace('scaled'), ALLOCTRACE_POLL_MS: String(pollScaledMs) },
    },
  };
}

async function callgrind(config, n) {
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', NODE, ...NODE_FLAGS,
    ...config.args, WORK, String(n)];
  const r = await runOk('valgrind', args, { env: cleanEnv(config.env), timeoutMs: 15 * 60 * 1000 });
  const m = /Collected\s*:\s*(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no "Collected" line from callgrind:\n${r.stderr.slice(-2000)}`);
  return { instructions: Number(m[1]), ms: r.ms };
}

async function nativeMs(n) {
  const times = [];
  for (let i = 0; i < 3; i++) times.push((await runOk(NODE, [...NODE_FLAGS, WORK, String(n)], { env: cleanEnv() })).ms);
  return median(times);
}

async function runCallgrind({ quick }) {
  ensureOut();
  const n = quick ? 1000 : 10000;
  // Counts rise ~1 % when valgrinds share a core (measured: 4 on 2 cores), so by
  // default use half the cores; BENCH_JOBS overrides.
  const parallel = Number(process.env.BENCH_JOBS) || Math.max(1, Math.floor(os.cpus().length / 2));
  log(`[callgrind] N=${n}, ${parallel} at a time (each big run takes ~${quick ? 10 : 30} s under valgrind; keep the machine otherwise idle)`);

  // Slowdown from the small runs, to scale the poll interval to native pace.
  const native1 = await nativeMs(1);
  const nativeN = await nativeMs(n);
  const probe = await callgrind(configs(1000).none, 1);
  const slowdown = Math.max(1, probe.ms / native1);
  const pollScaledMs = Math.round(1000 * slowdown);
  const cfg = configs(pollScaledMs);

  const jobs = [];
  const results = {};
  const want = (name, size, tag = size === 1 ? 'I1' : 'IN') => jobs.push(async () => {
    const r = await callgrind(cfg[name], size);
    log(`[callgrind] ${name.padEnd(24)} N=${String(size).padEnd(6)} ${r.instructions.toLocaleString('en-US').padStart(16)} instr  ${(r.ms / 1000).toFixed(1)} s`);
    (results[name] ||= {})[tag] = r.instructions;
    (results[name].wallMs ||= {})[tag] = r.ms;
  });
  // Big runs first so the pool stays busy; a repeat of "none" at N=1 and (full
  // mode) of alloctrace at N show how well the counts repeat.
  for (const name of Object.keys(cfg)) if (!cfg[name].startupOnly) want(name, n);
  if (!quick) want('alloctrace', n, 'INrepeat');
  for (const name of Object.keys(cfg)) want(name, 1);
  want('none', 1, 'I1repeat');
  await pool(jobs, parallel);

  const none = results.none;
  const out = { n, slowdown, pollScaledMs, nativeMsN: nativeN, nativeMs1: native1, configs: {} };
  for (const [name, r] of Object.entries(results)) {
    out.configs[name] = {
      ...r,
      work: r.IN !== undefined ? r.IN - r.I1 : null,
      startup: r.I1 - none.I1,
    };
  }
  const w = (name) => out.configs[name].work;
  out.ratios = {
    samplerOverNone: w('sampler') / w('none'),
    alloctraceOverNone: w('alloctrace') / w('none'),
    alloctraceOverSampler: w('alloctrace') / w('sampler'),
    alloctracePollScaledOverSampler: w('alloctrace-poll-scaled') / w('sampler'),
    preciseOverNone: w('alloctrace-precise') / w('none'),
    preciseOverSampler: w('alloctrace-precise') / w('sampler'),
    noInliningOverNone: w('no-inlining') / w('none'),
    preciseOverNoInlining: w('alloctrace-precise') / w('no-inlining'),
  };
  out.repeatability = {
    noneI1: Math.abs(none.I1repeat - none.I1) / none.I1,
    alloctraceIN: results.alloctrace.INrepeat
      ? Math.abs(results.alloctrace.INrepeat - results.alloctrace.IN) / results.alloctrace.IN : null,
  };
  for (const name of ['default', 'scaled', 'precise', 'startstop']) {
    const f = path.join(OUT, `callgrind-${name}.atrace`);
    if (fs.existsSync(f)) fs.unlinkSync(f);
  }
  writeJson(quick ? 'callgrind-quick.json' : 'callgrind.json', out);

  const r0 = out.ratios;
  const M = (x) => (x === null ? '-' : (x / 1e6).toFixed(1));
  log(`\n[callgrind] instructions (M), work = I(${n}) - I(1); valgrind slowdown ~${slowdown.toFixed(0)}x, ` +
    `scaled poll ${pollScaledMs} ms`);
  log(table(['config', 'I(1)', `I(${n})`, 'work', 'start-up', 'work/none'],
    Object.entries(out.configs).map(([name, c]) => [name, M(c.I1), M(c.IN ?? null), M(c.work), M(c.startup),
      c.work === null ? '-' : (c.work / w('none')).toFixed(4)])));
  log(`repeatability: none I(1) ${(out.repeatability.noneI1 * 100).toFixed(4)} %` +
    (out.repeatability.alloctraceIN === null ? '' : `, alloctrace I(${n}) ${(out.repeatability.alloctraceIN * 100).toFixed(4)} %`));
  log(`precise mode turns inlining off, so its cost depends on the workload (how much of the hot code V8 ` +
    `would inline), not only on tracing: on work-alloc.js no-inlining alone is ${r0.noInliningOverNone.toFixed(4)} x none ` +
    `and alloctrace-precise ${r0.preciseOverNoInlining.toFixed(4)} x no-inlining.`);

  const r = out.ratios;
  const startup = out.configs.alloctrace.startup;
  // --quick's N is too small for the work ratios: the early polls' fixed cost does not amortize.
  const judge = (ok) => (quick ? null : ok);
  return {
    data: out,
    figures: [
      figure('callgrind', 'work: sampler / none', r.samplerOverNone, 'x', ''),
      figure('callgrind', 'work: alloctrace / none', r.alloctraceOverNone, 'x', ''),
      figure('callgrind', 'work: alloctrace / sampler', r.alloctraceOverSampler, 'x', '≤ 1.01', judge(r.alloctraceOverSampler <= 1.01)),
      figure('callgrind', 'work: alloctrace (native-pace poll) / sampler', r.alloctracePollScaledOverSampler, 'x', '≤ 1.01',
        judge(r.alloctracePollScaledOverSampler <= 1.01)),
      figure('callgrind', 'work: alloctrace-precise / none (inlining off: workload-dependent)', r.preciseOverNone, 'x', ''),
      figure('callgrind', 'work: alloctrace-precise / sampler', r.preciseOverSampler, 'x', ''),
      figure('callgrind', 'work: no-inlining (flag alone, no profiler) / none', r.noInliningOverNone, 'x', ''),
      figure('callgrind', 'work: alloctrace-precise / no-inlining', r.preciseOverNoInlining, 'x', ''),
      figure('callgrind', 'start-up: preload + exit', startup / 1e6, 'M instr', '≤ 80', startup <= 80e6),
      figure('callgrind', 'start-up: binding load only', out.configs.binding.startup / 1e6, 'M instr', ''),
      figure('callgrind', 'start-up: binding + start + stop, no exit GC',
        out.configs['native-start-stop-no-gc'].startup / 1e6, 'M instr', ''),
      figure('callgrind', 'start-up: preload JS modules, tracing off', out.configs['preload-modules-only'].startup / 1e6,
        'M instr', ''),
      figure('callgrind', 'start-up: bare sampler (inspector)', out.configs.sampler.startup / 1e6, 'M instr', ''),
    ],
  };
}

module.exports = { runCallgrind };
