'use strict';
// Damaged traces (bytes overwritten, cut anywhere): the reader recovers what
// it can or says the file is not a trace; it never throws anything else, and
// the CLI never prints a stack trace.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { runTraced, tempDir, cli } = require('./helpers');
const { loadTrace } = require('../dist/analysis/load');
const { resolveWhen } = require('../dist/analysis/when');
const { NotATraceError } = require('../dist/format/reader');
const { Snapshot } = require('../dist/model');

function makeTrace(dir) {
  const file = path.join(dir, 'whole.atrace');
  const r = runTraced('request-leak.js', { args: ['400'], env: { ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: '8k' } });
  assert.strictEqual(r.status, 0, r.stderr);
  return fs.readFileSync(file);
}

function mutate(whole, rnd) {
  const buf = Buffer.from(whole);
  const flips = 1 + Math.floor(rnd() * 4);
  for (let f = 0; f < flips; f++) buf[8 + Math.floor(rnd() * (buf.length - 8))] = Math.floor(rnd() * 256);
  return rnd() < 0.3 ? buf.subarray(0, Math.floor(rnd() * buf.length)) : buf;
}

test('1000 damaged copies of a real trace: recovered or "not a trace", nothing else', () => {
  const whole = makeTrace(tempDir());
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const outcomes = { recovered: 0, notATrace: 0 };
  for (let i = 0; i < 1000; i++) {
    const bytes = mutate(whole, rnd);
    try {
      const trace = loadTrace(bytes);
      const snap = Snapshot.fromTrace(trace, resolveWhen(trace, 'end'));
      snap.statistics('traceback');
      snap.statistics('lineno', { cumulative: true });
      outcomes.recovered++;
    } catch (err) {
      if (!(err instanceof NotATraceError)) assert.fail(`copy ${i}: ${err.stack}`);
      outcomes.notATrace++;
    }
  }
  assert.ok(outcomes.recovered > 900, JSON.stringify(outcomes));
});

test('the CLI on damaged copies: exit 0 or 2, one-line messages, no stack trace', () => {
  const dir = tempDir();
  const whole = makeTrace(dir);
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 12; i++) {
    const file = path.join(dir, `damaged-${i}.atrace`);
    fs.writeFileSync(file, mutate(whole, rnd));
    for (const args of [['report', file, '--group-by', 'traceback'], ['info', file, '--json']]) {
      const r = cli(args);
      assert.ok(r.status === 0 || r.status === 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      for (const line of r.stderr.split('\n').filter(Boolean)) assert.match(line, /^alloctrace: /);
    }
  }
});
