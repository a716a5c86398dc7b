'use strict';
// Part admin, the hammer: CLIENTS keep-alive clients, each looping on
// GET /top?gc=1 against the admin endpoint at BASE (http://host:port) with
// the bearer TOKEN, until its stdin closes. A 503 is honored as a polite
// client would: that client waits Retry-After seconds before asking again.
// Prints {"ready": true} once every client has had an answer (or an error),
// and at the end {"ms", "answers", "busy", "errors", "other", "gc": {forced,
// reused, skipped, off}, "forcedGcs": {first, last}} where forcedGcs are the
// endpoint's own count of the GCs it forced, as its answers report it.
// Usage: node bench/admin-hammer.js BASE TOKEN CLIENTS [PATH (default /top?gc=1)]
const http = require('node:http');

const [base, token, clientsArg, pathArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const url = new URL(pathArg || '/top?gc=1', base);
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const counts = { answers: 0, busy: 0, errors: 0, other: 0 };
const gc = { forced: 0, reused: 0, skipped: 0, off: 0 };
const forcedGcs = { first: null, last: null };
let stopping = false;
let answeredOnce = 0;
const t0 = process.hrtime.bigint();

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function once() {
  return new Promise((resolve) => {
    const req = http.request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let retryMs = 0;
        if (res.statusCode === 200) {
          counts.answers += 1;
          try {
            const note = JSON.parse(Buffer.concat(chunks).toString('utf8')).gc;
            gc[note.status] = (gc[note.status] || 0) + 1;
            if (forcedGcs.first === null) forcedGcs.first = note.forcedGcs;
            forcedGcs.last = Math.max(forcedGcs.last ?? 0, note.forcedGcs);
          } catch {
            counts.other += 1;
          }
        } else if (res.statusCode === 503) {
          counts.busy += 1;
          retryMs = 1000 * (Number(res.headers['retry-after']) || 1);
        } else {
          counts.other += 1;
        }
        resolve(retryMs);
      });
      res.on('error', () => { counts.errors += 1; resolve(100); });
    });
    req.on('error', () => { counts.errors += 1; resolve(100); });
    req.end();
  });
}

async function client() {
  let first = true;
  while (!stopping) {
    const waitMs = await once();
    if (first) {
      first = false;
      answeredOnce += 1;
      if (answeredOnce === clients) process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
    }
    if (waitMs > 0 && !stopping) await sleep(waitMs);
  }
}

for (let k = 0; k < clients; k++) client();
// The bench closes our stdin to end the phase.
process.stdin.resume();
process.stdin.on('end', () => {
  stopping = true;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // Answers still on their way are not waited for: the phase is over.
  process.stdout.write(`${JSON.stringify({ ms, ...counts, gc, forcedGcs })}\n`, () => process.exit(0));
});
