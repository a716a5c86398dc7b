'use strict';
// The pause and extra memory of an object census with a live heap of about
// MB megabytes: a full one (a full GC, V8's heap snapshot, the walk in C++)
// or a counting one (V8's heap iterator, no snapshot).
// Usage: node bench/census.js [MB:MODE...]   (default: 100:full 100:counts 1024:counts)
// MODE: full or counts (forced: the walk guard would refuse a full census of
// 1 GB; on this machine it ran 2 min and took +10 GB before it was stopped).
// Each runs in its own process (1 GB with --max-old-space-size=4096): two
// censuses in a row; prints one table row each: each pause (of it, the
// forced GC), RSS before the first, after the first and after the second,
// and the peak RSS (getrusage's maxRSS) over the RSS before.
const { spawnSync } = require('node:child_process');

function child(mb, mode) {
  const alloctrace = require('..');
  // ~150 bytes of heap per entry: an object, a short string, a one-element array.
  const live = (globalThis.live = []);
  const entries = Math.round((mb * 1024 * 1024) / 150);
  for (let i = 0; i < entries; i++) live.push({ id: i, name: `entry-${i}`, tags: [i & 255] });
  globalThis.gc();
  const heapMB = process.memoryUsage().heapUsed / 1048576;
  const rss0 = process.memoryUsage().rss;
  const max0 = process.resourceUsage().maxRSS * 1024;
  const first = alloctrace.census({ gc: true, mode, force: true });
  const rss1 = process.memoryUsage().rss;
  const second = alloctrace.census({ gc: true, mode, force: true });
  const rss2 = process.memoryUsage().rss;
  const max2 = process.resourceUsage().maxRSS * 1024;
  const objects = second.entries.reduce((n, e) => n + e.count, 0);
  process.stdout.write(`${JSON.stringify({
    mb, heapMB, rss0, rss1, rss2, peakExtra: Math.max(max2, max0) - rss0, kinds: second.entries.length, objects,
    pauses: [first, second].map((c) => ({ pauseMs: c.pauseNs / 1e6, gcMs: c.gcNs / 1e6 })),
  })}\n`);
}

function main() {
  const runs = (process.argv.length > 2 ? process.argv.slice(2) : ['100:full', '100:counts', '1024:counts']).map((arg) => {
    const [mb, mode = 'full'] = arg.split(':');
    if (!(Number(mb) > 0) || !['full', 'counts'].includes(mode)) throw new Error(`not MB:MODE: ${arg}`);
    return { mb: Number(mb), mode };
  });
  const mib = (b) => (b / 1048576).toFixed(0);
  const s = (ms) => (ms / 1000).toFixed(2);
  console.log(`node ${process.version}`);
  console.log('| live heap | census | pause, 1st / 2nd (of it, forced GC) | RSS before → after 1st → after 2nd | peak RSS over before | objects / kinds |');
  console.log('|---|---|---|---|---|---|');
  for (const { mb, mode } of runs) {
    const args = ['--expose-gc', ...(mb > 700 ? ['--max-old-space-size=4096'] : []), __filename, '--child', String(mb), mode];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) {
      console.log(`| ${mb} MB | ${mode} | failed (${r.status}): ${r.stderr.split('\n').slice(-3).join(' ')} |`);
      continue;
    }
    const x = JSON.parse(r.stdout);
    const [a, b] = x.pauses;
    console.log(`| ${x.heapMB.toFixed(0)} MB | ${mode} | ${s(a.pauseMs)} s (${s(a.gcMs)}) / ${s(b.pauseMs)} s (${s(b.gcMs)}) | ` +
      `${mib(x.rss0)} → ${mib(x.rss1)} → ${mib(x.rss2)} MiB | +${mib(x.peakExtra)} MiB | ${(x.objects / 1e6).toFixed(2)} M / ${x.kinds} |`);
  }
}

if (process.argv[2] === '--child') child(Number(process.argv[3]), process.argv[4]);
else main();
