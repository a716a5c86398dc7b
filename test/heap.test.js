'use strict';
// Heap snapshots: read into typed arrays (the same numbers as JSON.parse
// gives), census of a saved snapshot, and who holds a type's instances, on a
// real service that leaks through a module-level registry; the in-process
// API and the admin endpoint's /retainers.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { FIXTURES, REGISTER, tempDir, cli, runPlain } = require('./helpers');

const dir = tempDir();
const snapshot = path.join(dir, 'registry.heapsnapshot');
const made = runPlain('registry-leak.js', { args: [snapshot, '3000', '10'] });

test('the reader gives the same nodes, edges and strings as JSON.parse of the whole file', () => {
  assert.equal(made.status, 0, made.stderr);
  const { readHeapSnapshot } = require('../dist/heap/parse');
  const d = readHeapSnapshot(snapshot);
  const j = JSON.parse(fs.readFileSync(snapshot, 'utf8'));
  assert.equal(d.nodeCount, j.snapshot.node_count);
  assert.equal(d.edgeCount, j.snapshot.edge_count);
  assert.deepEqual(Array.from(d.nodes), j.nodes);
  assert.deepEqual(Array.from(d.edges), j.edges);
  assert.deepEqual(d.strings, j.strings);
});

test('retainers: every Visit is held by one path, registry Map → value Session → .history Array → [i]', () => {
  const r = cli(['retainers', snapshot, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.schema, 1);
  assert.equal(out.type, 'Visit', 'the program\'s type holding the most is chosen');
  assert.equal(out.instances, 3000);
  assert.equal(out.clusters.length, 1, JSON.stringify(out.clusters));
  assert.equal(out.clusters[0].count, 3000);
  assert.equal(out.clusters[0].path, 'registry Map → value Session → .history Array → [i] Visit');
  const sessions = JSON.parse(cli(['retainers', snapshot, '--type', 'Session', '--json']).stdout);
  assert.deepEqual(sessions.clusters.map((c) => [c.path, c.count]), [['registry Map → value Session', 10]]);
  const text = cli(['retainers', snapshot]);
  assert.match(text.stdout, /^ +3000 +\S+ \S+ +registry Map → value Session → \.history Array → \[i\] Visit/m);
});

test('retainers and census: bad input is a one-line usage error', () => {
  const none = cli(['retainers', snapshot, '--type', 'Nope']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no objects of type "Nope" in this heap snapshot \(the most common: Visit \(3000\)/);
  const notSnapshot = path.join(dir, 'not.heapsnapshot');
  fs.writeFileSync(notSnapshot, '{"hello": 1}');
  const bad = cli(['retainers', notSnapshot]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not a heap snapshot/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});

test('census of a saved heap snapshot counts the instances exactly', () => {
  const r = cli(['census', snapshot, '--json', '--top', '200']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const entries = out.censuses[0].top;
  const visit = entries.find((e) => e.name === 'Visit');
  assert.equal(visit.type, 'object');
  assert.equal(visit.count, 3000);
  assert.equal(entries.find((e) => e.name === 'Session').count, 10);
});

test('retainers() in the process and GET /retainers on the admin endpoint', async () => {
  const api = runPlain('registry-leak.js', { args: ['', '500', '5'], env: { REGISTRY_API: '1' } });
  assert.equal(api.status, 0, api.stderr);
  const token = 'test-token-123';
  const child = spawn(process.execPath, ['--require', REGISTER, path.join(FIXTURES, 'admin-app.js'), 'preload'], {
    // No budget between the two walks (each is V8's heap snapshot): the second is a bad type, answered 400.
    env: { ...process.env, ALLOCTRACE_HTTP: '127.0.0.1:0', ALLOCTRACE_HTTP_TOKEN: token, ALLOCTRACE_HTTP_GC_LIMIT: '0', ALLOCTRACE_FILE: path.join(dir, 'admin.atrace') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  try {
    const base = await new Promise((resolve, reject) => {
      const wait = () => {
        const m = /alloctrace: admin endpoint on (http:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]);
        else setTimeout(wait, 20);
      };
      wait();
      child.on('exit', (code) => reject(new Error(`app exited ${code}: ${stderr}`)));
    });
    const headers = { authorization: `Bearer ${token}` };
    const ok = await fetch(`${base}/retainers?type=BuiltinModule&limit=3`, { headers });
    assert.equal(ok.status, 200, await ok.clone().text());
    const body = await ok.json();
    assert.equal(body.type, 'BuiltinModule');
    assert.ok(body.instances > 0 && body.clusters.length > 0 && body.clusters.length <= 3, JSON.stringify(body));
    const bad = await fetch(`${base}/retainers?type=Nope`, { headers });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /no objects of type "Nope" in this heap snapshot \(the most common: .*BuiltinModule/);
  } finally {
    child.kill();
  }
});
