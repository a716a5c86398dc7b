'use strict';
// Part (precise) child: the pause of a run-time precise-mode switch with a
// live heap of about MB megabytes. Usage: node bench/precise-heap.js MB ROUNDS
// → {"liveMB", "onMs": [...], "offMs": [...]} on stdout. Tracing is on (the
// switch polls and writes its marker), with the default interval.
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');
const alloctrace = require('..');

const mb = Number(process.argv[2]);
const rounds = Number(process.argv[3] || 3);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alloctrace-bench-precise-'));

// Hot code to throw away: a few functions that V8 optimizes (and inlines).
function score(o) { return o.id * 31 + o.name.length; }
function sumScores(list) {
  let s = 0;
  for (const o of list) s += score(o);
  return s;
}
function warm(list) {
  let s = 0;
  for (let i = 0; i < 200; i++) s += sumScores(list);
  return s;
}

// ~150 bytes of heap per entry (measured): an object, a short string, a one-element array.
const live = [];
const entries = Math.round((mb * 1024 * 1024) / 150);
for (let i = 0; i < entries; i++) live.push({ id: i, name: `entry-${i}`, tags: [i & 255] });

alloctrace.start({ file: path.join(dir, 'heap.atrace') });
const probe = live.slice(0, 2000);
warm(probe);
if (global.gc) global.gc();
const liveMB = process.memoryUsage().heapUsed / 1048576;

const onMs = [];
const offMs = [];
for (let r = 0; r < rounds; r++) {
  const on = alloctrace.setPrecise(true);
  if (!on.changed) throw new Error(`precise mode did not switch on: ${on.skipped}`);
  onMs.push(on.pauseMs);
  warm(probe);
  const off = alloctrace.setPrecise(false);
  if (!off.changed) throw new Error(`precise mode did not switch off: ${off.skipped}`);
  offMs.push(off.pauseMs);
  warm(probe);
}
alloctrace.stop();
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ liveMB, entries: live.length, onMs, offMs })}\n`);
