'use strict';
// Allocation churn for parts (d) and (e): every 10 ms a generation of records
// (objects, arrays, strings) is made from several call sites and kept for a
// pseudo-random 10..MAX_LIFE_TICKS ticks (default 0.1–3 s), so many samples
// are seen by a poll and later freed.
// Usage: node bench/churn-work.js SECONDS [RECORDS_PER_TICK] [MAX_LIFE_TICKS]
const seconds = Number(process.argv[2] || 5);
const perTick = Number(process.argv[3] || 200);
const maxLife = Number(process.argv[4] || 300);
const TICK_MS = 10;

let seed = 12345;
function rand(n) { // xorshift, deterministic
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) % n;
}

function makeUser(i) {
  return { id: i, name: `user-${i}`, email: `u${i}@example.com`, roles: ['r' + (i % 5)] };
}
function makeOrder(i) {
  return { id: i, lines: [{ sku: 'sku' + (i % 97), qty: i % 9 }, { sku: 'sku' + (i % 31), qty: 1 }], total: i * 0.25 };
}
function makeBlob(i) {
  return JSON.stringify({ i, pad: 'x'.repeat(20 + (i % 200)) });
}
function makeBuffer(i) {
  return new Array(8 + (i % 24)).fill(i);
}
const MAKERS = [makeUser, makeOrder, makeBlob, makeBuffer];

const pending = new Map(); // due tick -> generations to drop
const forever = [];
let tick = 0;
let n = 0;

function step() {
  const gen = [];
  for (let i = 0; i < perTick; i++, n++) gen.push(MAKERS[n % MAKERS.length](n));
  const due = tick + 10 + rand(maxLife - 10);
  if (!pending.has(due)) pending.set(due, []);
  pending.get(due).push(gen);
  if (tick % 500 === 0) forever.push(gen[0]);
  pending.delete(tick); // this tick's generations become garbage
  tick++;
}

const end = Date.now() + seconds * 1000;
const timer = setInterval(() => {
  step();
  if (Date.now() >= end) clearInterval(timer);
}, TICK_MS);
