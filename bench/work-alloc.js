'use strict';
// Allocation-heavy workload for instruction counting: N iterations of building
// and discarding objects, arrays and strings, keeping a bounded set alive.
// Runs in chunks of 50 iterations with setImmediate between them, like a
// service, so the event loop turns and alloctrace's poll timer can fire.
// Deterministic (no Math.random, no clock): run it under node --predictable.
// Usage: node bench/work-alloc.js N
const n = Number(process.argv[2] || 1);
const CHUNK = 50;
const keep = [];
let checksum = 0;

function makeRecord(i) {
  return { id: i, name: 'item-' + i, tags: ['a' + (i % 7), 'b' + (i % 13)], value: i * 1.5 };
}

function churn(i) {
  const list = [];
  for (let j = 0; j < 50; j++) list.push(makeRecord(i * 50 + j));
  const text = JSON.stringify(list);
  const back = JSON.parse(text);
  checksum += back.length + text.length;
  const parts = text.split(',');
  checksum += parts.length;
  return list;
}

function step(from) {
  const to = Math.min(n, from + CHUNK);
  for (let i = from; i < to; i++) {
    const list = churn(i);
    if (i % 16 === 0) {
      keep.push(list[i % list.length]);
      if (keep.length > 2000) keep.splice(0, 1000);
    }
  }
  if (to < n) setImmediate(step, to);
  else if (checksum === -1) console.log(keep.length);
}

step(0);
