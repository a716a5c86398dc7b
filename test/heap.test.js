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
  let stdout = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.on('data', (d) => { stdout += d; });
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
    const big = await fetch(`${base}/largest?limit=3`, { headers });
    assert.equal(big.status, 200, await big.clone().text());
    const bigBody = await big.json();
    assert.equal(bigBody.objects.length, 3);
    assert.ok(bigBody.objects.every((o) => o.retainedSize >= o.shallowSize && typeof o.path === 'string'));
    // A suspects window over the app's own traffic: the cache it keeps per request is joined with its holder.
    const port = await new Promise((resolve) => {
      const m = /app (\d+)/.exec(stdout);
      if (m) resolve(Number(m[1]));
    });
    let answered = false;
    const window = fetch(`${base}/suspects?seconds=1&limit=5`, { method: 'POST', headers }).finally(() => { answered = true; });
    // Traffic for as long as the window is open.
    while (!answered) await fetch(`http://127.0.0.1:${port}/`).then((x) => x.text());
    const sus = await window;
    assert.equal(sus.status, 200, await sus.clone().text());
    const body2 = await sus.json();
    // How long the window was open: at least the second asked for (its timer may fire late under load).
    assert.ok(body2.seconds >= 1 && body2.seconds < 10, String(body2.seconds));
    const cached = body2.suspects.find((s) => s.function === 'cacheResult');
    assert.ok(cached, JSON.stringify(body2.suspects));
    assert.match(cached.path, /cache Array → \[i\] Object/);
  } finally {
    child.kill();
  }
});

test('suspects(): allocating function joined with its objects\' retaining path; one window at a time', () => {
  const r = runPlain('suspects-app.js');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.match(out.second, /already running \(one at a time\)/);
  const top = out.result.suspects[0];
  assert.equal(top.function, 'remember');
  assert.ok(top.file.endsWith('registry-model.js'));
  const source = fs.readFileSync(path.join(FIXTURES, 'registry-model.js'), 'utf8').split('\n');
  assert.match(source[top.line - 1], /function remember\(/, 'the allocating function\'s definition line');
  assert.equal(top.path, 'registry Map → value Session → .history Array → [i] Visit');
  // Every Visit of the window, none lost to compaction (V8 26 at times also gives a couple of
  // objects made just before the window remember()'s trace).
  assert.ok(top.count >= out.visits && top.count <= out.visits + 5, `${top.count} of ${out.visits} visits`);
  assert.ok(out.result.precise, 'precise mode was on for the window');
  assert.match(out.result.note, /allocation tracking/);
});

test('suspects(): a logged line built by concatenation is one group held at [i] string, whatever its pieces', () => {
  const r = runPlain('string-log-app.js');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const formatted = out.result.suspects.filter((s) => s.function === 'formatRecord');
  // V8 keeps each line as a tree of string pieces; before, each depth of piece was its own group (`[i] string → string → string`).
  assert.deepEqual(formatted.map((s) => s.path), ['panelRecords Array → [i] string'], JSON.stringify(out.result.suspects));
  assert.ok(formatted[0].count >= out.records, `${formatted[0].count} pieces of ${out.records} records`);
  assert.equal(out.result.suspects[0], formatted[0], 'the list of records holds the most bytes');
});

test('largest: the registry and each Session by retained size, previews with keys and types, values only when asked', () => {
  const r = cli(['largest', snapshot, '--top', '30', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.schema, 1);
  const registry = out.objects.find((o) => o.path === 'registry Map');
  assert.ok(registry, JSON.stringify(out.objects.map((o) => o.path)));
  const sessions = out.objects.filter((o) => o.type === 'Session');
  assert.equal(sessions.length, 10);
  for (const s of sessions) {
    assert.equal(s.preview, 'Session { user: string, history: Array(300) }');
    assert.equal(s.path, 'registry Map → value Session');
    // A Session holds its history and every Visit in it: retained well above its own size, and below the registry's.
    assert.ok(s.retainedSize > 300 * 40 && s.retainedSize < registry.retainedSize, `${s.retainedSize}`);
  }
  assert.ok(out.objects.indexOf(registry) < out.objects.indexOf(sessions[0]), 'the registry retains every Session');
  assert.doesNotMatch(r.stdout, /user-\d/, 'no values without --values');
  const withValues = JSON.parse(cli(['largest', snapshot, '--top', '30', '--values', '--json']).stdout);
  assert.ok(withValues.objects.some((o) => /^Session \{ user: "user-\d", history: Array\(300\) \}$/.test(o.preview)));
});

test('retainers --compare-to OLD: the default type is the one that grew most since the older snapshot', () => {
  const old = path.join(dir, 'old.heapsnapshot');
  const o = runPlain('registry-leak.js', { args: [old, '100', '10'] });
  assert.equal(o.status, 0, o.stderr);
  const r = cli(['retainers', snapshot, '--compare-to', old, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.type, 'Visit');
  assert.match(out.chosen, /grew most since ".*old\.heapsnapshot" \(\+2900\)/);
});
