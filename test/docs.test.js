'use strict';
// Every --json output carries its schema number, and the package ships docs
// of the trace format and of the JSON forms that cover what the code writes.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, makeSitesTrace, tempDir, cli, runPlain } = require('./helpers');

const dir = tempDir();
const native = makeSitesTrace(dir);
const heapSnapshot = path.join(dir, 'registry.heapsnapshot');
runPlain('registry-leak.js', { args: [heapSnapshot, '200', '4'] });
const censusFile = path.join(dir, 'census.atrace');
execFileSync(process.execPath, [path.join(__dirname, 'fixtures', 'census-api.js'), censusFile, '10', '5', '5']);
const findingsFile = path.join(dir, 'findings.atrace');
execFileSync(process.execPath, [path.join(__dirname, 'fixtures', 'findings-app.js'), findingsFile]);
const tracked = path.join(dir, 'tracked.heapsnapshot');
execFileSync(process.execPath, ['--no-compact', '--no-opt', '--no-maglev', path.join(__dirname, 'fixtures', 'tracked-snapshot.js'), tracked, '50']);
const docs = (name) => fs.readFileSync(path.join(ROOT, 'docs', name), 'utf8');

function json(args) {
  const r = cli(args);
  assert.ok(r.status === 0 || r.status === 1, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Every JSON form the CLI prints, with the options that add optional keys. */
function outputs() {
  return {
    report: json(['report', native.file, '--json', '--group-by', 'traceback', '--compare-to', 'before', '--top', '3']),
    separate: json(['report', native.file, path.join(dir, 'missing.atrace'), '--separate', '--json', '--top', '2']),
    info: json(['info', native.file, '--json']),
    leaks: json(['leaks', native.file, '--json', '--group-by', 'traceback', '--top', '3']),
    timeline: json(['timeline', native.file, '--json']),
    retainers: json(['retainers', heapSnapshot, '--json']),
    largest: json(['largest', heapSnapshot, '--json', '--top', '3']),
    census: json(['census', censusFile, '--json', '--compare-to', 'first', '--top', '3']),
    recordedRetainers: json(['retainers', findingsFile, '--json']),
    recordedSuspects: json(['suspects', findingsFile, '--json']),
    suspects: json(['suspects', tracked, '--json', '--site', 'remember']),
  };
}

function keysOf(value, into = new Set()) {
  if (Array.isArray(value)) for (const v of value) keysOf(v, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysOf(v, into);
    }
  }
  return into;
}

test('every --json output carries "schema": 1', () => {
  const o = outputs();
  assert.equal(o.report.schema, 1);
  assert.equal(o.info.schema, 1);
  assert.equal(o.leaks.schema, 1);
  assert.equal(o.timeline.schema, 1);
  assert.equal(o.census.schema, 1);
  assert.equal(o.recordedRetainers.schema, 1);
  assert.equal(o.recordedSuspects.schema, 1);
  assert.equal(o.suspects.schema, 1);
  assert.equal(o.separate.schema, 1);
  assert.equal(o.separate.reports.length, 1);
  assert.equal(o.separate.reports[0].schema, 1, 'each report of --separate is the usual report object');
  assert.equal(o.separate.errors.length, 1);
  assert.equal(json(['report', native.file, '--json', '--separate']).schema, 1);
});

test('docs/json.md names every key the JSON outputs hold', () => {
  const text = docs('json.md');
  const o = outputs();
  const keys = new Set();
  for (const out of Object.values(o)) keysOf(out, keys);
  // The optional keys are there too.
  for (const k of ['sizeDiff', 'countDiff', 'builtin', 'process', 'error', 'tracerDir']) assert.ok(keys.has(k), `the outputs hold ${k}`);
  for (const k of keys) {
    assert.match(text, new RegExp(`[\`."]${k}[\`"]`), `docs/json.md documents "${k}"`);
  }
});

test('docs/format.md names every record and field of proto/alloctrace.proto', () => {
  const text = docs('format.md');
  const proto = fs.readFileSync(path.join(ROOT, 'proto', 'alloctrace.proto'), 'utf8');
  const messages = [...proto.matchAll(/^message (\w+)/gm)].map((m) => m[1]);
  assert.ok(messages.length >= 9);
  for (const m of messages) assert.ok(text.includes(`\`${m}\``), `docs/format.md names ${m}`);
  const fields = [...proto.matchAll(/^\s+(?:repeated )?\w+ (\w+) = \d+;/gm)].map((m) => m[1]);
  assert.ok(fields.length >= 40, fields.join(' '));
  for (const f of new Set(fields)) {
    if (['header', 'string', 'frame', 'stack', 'batch', 'memory', 'marker', 'trailer', 'census', 'retainers', 'suspects'].includes(f)) continue; // Record's oneof
    assert.ok(text.includes(`\`${f}\``), `docs/format.md names field ${f}`);
  }
});

test('the package ships docs/ and the ESM entry, and the README links the docs', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: ROOT, encoding: 'utf8' });
  const files = JSON.parse(out)[0].files.map((f) => f.path);
  for (const f of ['docs/format.md', 'docs/json.md', 'index.mjs']) assert.ok(files.includes(f), `${f} is in the tarball`);
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.match(readme, /\]\(docs\/format\.md\)/);
  assert.match(readme, /\]\(docs\/json\.md\)/);
});
