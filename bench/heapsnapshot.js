'use strict';
// Part (heapsnapshot): reading a large saved heap snapshot. A child process
// builds a heap of small objects (a registry of sessions with histories) and
// writes it with v8.writeHeapSnapshot; then a fresh process reads it with
// src/heap (chunks into typed arrays), computes the shortest paths and the
// dominator tree, and reports MB/s and its peak RSS.
const fs = require('node:fs');
const path = require('node:path');
const { OUT, NODE, ROOT, runOk, figure, writeJson, log, ensureOut } = require('./lib');

const MAKE = `
const v8 = require('node:v8');
class Visit { constructor(i) { this.path = '/p/' + (i % 97); this.at = i; } }
class Session { constructor(u) { this.user = u; this.history = []; } }
const registry = new Map();
const n = Number(process.argv[2]);
for (let i = 0; i < n; i++) {
  const u = 'u' + (i % 1000);
  let s = registry.get(u);
  if (!s) registry.set(u, (s = new Session(u)));
  s.history.push(new Visit(i));
}
v8.writeHeapSnapshot(process.argv[1]);
`;

const READ = `
const { readHeapSnapshot } = require(${JSON.stringify(path.join(ROOT, 'dist', 'heap', 'parse.js'))});
const { HeapGraph } = require(${JSON.stringify(path.join(ROOT, 'dist', 'heap', 'graph.js'))});
const t0 = process.hrtime.bigint();
const data = readHeapSnapshot(process.argv[1]);
const t1 = process.hrtime.bigint();
const g = new HeapGraph(data);
g.parentEdges();
const t2 = process.hrtime.bigint();
g.retainedSizes();
const t3 = process.hrtime.bigint();
const s = (a, b) => Number(b - a) / 1e9;
process.stdout.write(JSON.stringify({ bytes: data.bytes, nodes: data.nodeCount, edges: data.edgeCount, parseS: s(t0, t1),
  pathsS: s(t1, t2), dominatorsS: s(t2, t3), maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\\n');
`;

async function runHeapsnapshot({ quick }) {
  ensureOut();
  const objects = quick ? 300000 : 3000000;
  const file = path.join(OUT, `heap-${objects}.heapsnapshot`);
  if (!fs.existsSync(file)) {
    log(`[heapsnapshot] writing a snapshot of ${objects} visits...`);
    await runOk(NODE, ['--max-old-space-size=8192', '-e', MAKE, file, String(objects)], { timeoutMs: 20 * 60 * 1000 });
  }
  const r = await runOk(NODE, ['--max-old-space-size=8192', '-e', READ, file], { timeoutMs: 20 * 60 * 1000 });
  const m = JSON.parse(r.stdout.trim().split('\n').pop());
  const mb = m.bytes / 1e6;
  log(`[heapsnapshot] ${mb.toFixed(0)} MB, ${m.nodes} nodes, ${m.edges} edges: read ${m.parseS.toFixed(2)} s (${(mb / m.parseS).toFixed(0)} MB/s), ` +
    `paths ${m.pathsS.toFixed(2)} s, dominators ${m.dominatorsS.toFixed(2)} s, peak RSS ${m.maxRssMB.toFixed(0)} MB`);
  writeJson(quick ? 'heapsnapshot-quick.json' : 'heapsnapshot.json', m);
  return {
    data: m,
    figures: [
      figure('heapsnapshot', `read a ${mb.toFixed(0)} MB heap snapshot into typed arrays`, mb / m.parseS, 'MB/s', '', null),
      figure('heapsnapshot', 'shortest paths + dominator tree', m.pathsS + m.dominatorsS, 's', '', null),
      figure('heapsnapshot', 'peak RSS of the reading process', m.maxRssMB, 'MB', '', null),
    ],
  };
}

module.exports = { runHeapsnapshot };
