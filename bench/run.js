'use strict';
// `npm run bench` = node bench/run.js [callgrind|http|poll|size|report|resilience|precise|admin|suspects|heapsnapshot|all ...] [--quick] [--node PATH]
// Runs the chosen parts (default: all), writes each part's JSON to bench/out/
// and prints one summary table of the figures against their targets.
// --node PATH measures programs run by another Node line's binary (its addon
// from prebuilds/: `npm run prebuildify` first); results go to bench/out/node<major>/.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const nodeAt = process.argv.indexOf('--node');
const otherNode = nodeAt > 0 ? path.resolve(process.argv[nodeAt + 1] || '') : undefined;
if (otherNode !== undefined) {
  // Read by ./lib when it loads.
  process.env.BENCH_NODE = otherNode;
  const [version, abi] = execFileSync(otherNode, ['-p', 'process.version + " " + process.versions.modules'],
    { encoding: 'utf8' }).trim().split(' ');
  const major = version.slice(1).split('.')[0];
  process.env.BENCH_NODE_VERSION = version;
  process.env.BENCH_OUT_TAG = `node${major}`;
  const prebuild = path.join(__dirname, '..', 'prebuilds', `${process.platform}-${process.arch}`, `alloctrace.abi${abi}.node`);
  if (!fs.existsSync(prebuild)) {
    process.stderr.write(`no prebuild for ${otherNode} (abi${abi}): run \`npm run prebuildify\` first\n`);
    process.exit(2);
  }
}
const { REGISTER, ROOT, table, fmt, writeJson, log, ensureOut } = require('./lib');

const PARTS = {
  callgrind: () => require('./callgrind').runCallgrind,
  http: () => require('./http').runHttp,
  poll: () => require('./poll').runPoll,
  size: () => require('./size').runSize,
  report: () => require('./report').runReport,
  resilience: () => require('./resilience').runResilience,
  precise: () => require('./precise').runPrecise,
  admin: () => require('./admin').runAdmin,
  suspects: () => require('./suspects').runSuspects,
  heapsnapshot: () => require('./heapsnapshot').runHeapsnapshot,
};

function usage() {
  return 'usage: node bench/run.js [callgrind|http|poll|size|report|resilience|precise|admin|suspects|heapsnapshot|all ...] [--quick] [--node PATH]';
}

async function main(argv) {
  const quick = argv.includes('--quick');
  let names = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--node');
  if (argv.includes('--help') || argv.includes('-h')) { log(usage()); return 0; }
  if (names.length === 0 || names.includes('all')) names = Object.keys(PARTS);
  const unknown = names.filter((n) => !(n in PARTS));
  if (unknown.length) { log(`unknown part: ${unknown.join(', ')}\n${usage()}`); return 2; }
  if (!fs.existsSync(REGISTER)) {
    log(`${path.relative(ROOT, REGISTER)} is missing: run \`npx tsc -p tsconfig.json\` first`);
    return 2;
  }
  ensureOut();

  const t0 = Date.now();
  const figures = [];
  const measured = process.env.BENCH_NODE_VERSION || process.version;
  const summary = { quick, node: measured, started: new Date(t0).toISOString(), parts: {} };
  let failed = 0;
  for (const name of names) {
    const p0 = Date.now();
    log(`\n=== ${name}${quick ? ' (quick)' : ''} ===`);
    try {
      const result = await PARTS[name]()({ quick });
      figures.push(...result.figures);
      summary.parts[name] = { seconds: (Date.now() - p0) / 1000, figures: result.figures };
    } catch (err) {
      failed += 1;
      log(`[${name}] FAILED: ${err && err.stack ? err.stack : err}`);
      figures.push({ part: name, name: 'FAILED (see above)', value: null, unit: '', target: '', ok: false });
      summary.parts[name] = { seconds: (Date.now() - p0) / 1000, error: String(err && err.message) };
    }
    log(`[${name}] ${((Date.now() - p0) / 1000).toFixed(0)} s`);
  }
  summary.seconds = (Date.now() - t0) / 1000;
  const file = writeJson(quick ? 'summary-quick.json' : 'summary.json', summary);

  const rows = figures.map((f) => [f.part, f.name, fmt(f.value, 4), f.unit, f.target,
    f.ok === null ? '' : f.ok ? 'ok' : 'MISS']);
  process.stdout.write(`\nalloctrace bench${quick ? ' (quick: smoke figures only)' : ''}, node ${measured}, ` +
    `${summary.seconds.toFixed(0)} s\n`);
  process.stdout.write(`${table(['part', 'figure', 'value', 'unit', 'target', ''], rows, 'llrlll')}\n`);
  process.stdout.write(`JSON: ${path.relative(process.cwd(), file)} and bench/out/<part>${quick ? '-quick' : ''}.json\n`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
  log(err && err.stack ? err.stack : String(err));
  process.exitCode = 1;
});
