'use strict';
// The package as users get it: packed, installed into a fresh project,
// preloaded, reported on. With an ABI-tagged prebuild nothing compiles (the
// install runs with no compiler on PATH); without one, the install compiles
// the addon (node-gyp-build's fallback). CI runs `npm run prebuildify` first,
// so there the tarball holds the prebuilds of every supported line and this
// runs on each line.
const test = require('node:test');
const assert = require('node:assert');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, FIXTURES, tempDir } = require('./helpers');

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function sh(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300000 });
}

function pack(dir, dest) {
  fs.mkdirSync(dest, { recursive: true });
  const out = sh(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], dir);
  return path.join(dest, JSON.parse(out)[0].filename);
}

/** The repository's package (dist/ is built by `npm test`) unpacked in `work`, without prebuilds or build. */
function unpackedSource(work) {
  const tarball = pack(ROOT, path.join(work, 'src-tgz'));
  const pkg = path.join(work, 'pkg');
  fs.mkdirSync(pkg);
  sh('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1'], work);
  for (const dir of ['prebuilds', 'build']) fs.rmSync(path.join(pkg, dir), { recursive: true, force: true });
  return pkg;
}

/** A PATH on which every compiler and build tool fails, with this node and npm still found. */
function pathWithoutCompiler(work) {
  const bin = path.join(work, 'no-compiler');
  fs.mkdirSync(bin);
  for (const tool of ['cc', 'gcc', 'c++', 'g++', 'clang', 'clang++', 'make', 'gmake', 'python3', 'python']) {
    fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool}: no compiler on this machine" >&2\nexit 127\n`, { mode: 0o755 });
  }
  return [bin, path.dirname(process.execPath), process.env.PATH].join(path.delimiter);
}

/** Installs the tarball into a new project, traces a script, checks the report. Returns the installed dir. */
function installAndTrace(work, tarball, { compiler = true } = {}) {
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'pack-app', version: '1.0.0', private: true }));
  const env = compiler ? process.env : { ...process.env, PATH: pathWithoutCompiler(work), CC: '', CXX: '' };
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
    cwd: app, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300000,
  });
  fs.copyFileSync(path.join(FIXTURES, 'pack-app.js'), path.join(app, 'app.js'));
  const trace = path.join(app, 'app.atrace');
  const run = spawnSync(process.execPath, ['--require', 'alloctrace/register', 'app.js'], {
    cwd: app, encoding: 'utf8', env: { ...process.env, ALLOCTRACE_FILE: trace, ALLOCTRACE_INTERVAL: '32k' },
  });
  assert.strictEqual(run.status, 0, run.stderr);
  assert.strictEqual(run.stderr, '');
  const report = spawnSync(process.execPath, [path.join(app, 'node_modules', '.bin', 'alloctrace'), 'report', trace, '--json', '--group-by', 'function'], {
    cwd: app, encoding: 'utf8',
  });
  assert.strictEqual(report.status, 0, report.stderr);
  const json = JSON.parse(report.stdout);
  assert.strictEqual(json.stats[0].frames[0].function, 'fillCache');
  assert.strictEqual(json.stats[0].frames[0].file, path.join(app, 'app.js'));
  return path.join(app, 'node_modules', 'alloctrace');
}

const PLATFORM = `${process.platform}-${process.arch}`;
const OWN_PREBUILD = `alloctrace.abi${process.versions.modules}.node`;

test('with an ABI-tagged prebuild: installs with no compiler, traces and reports', { timeout: 600000 }, () => {
  const work = tempDir();
  const pkg = unpackedSource(work);
  const made = path.join(ROOT, 'prebuilds', PLATFORM);
  if (fs.existsSync(path.join(made, OWN_PREBUILD))) {
    // `npm run prebuildify` ran (CI does): ship every line's prebuild, as a release would.
    fs.cpSync(path.join(ROOT, 'prebuilds'), path.join(pkg, 'prebuilds'), { recursive: true });
  } else {
    sh(process.execPath, [path.join(ROOT, 'scripts', 'prebuildify.js'), '--current', '--out', pkg], ROOT);
  }
  const prebuilds = fs.readdirSync(path.join(pkg, 'prebuilds', PLATFORM));
  assert.ok(prebuilds.includes(OWN_PREBUILD), `an ABI-tagged prebuild for this line, not N-API: ${prebuilds}`);
  assert.ok(prebuilds.every((f) => /^alloctrace\.abi\d+\.node$/.test(f)), String(prebuilds));
  const installed = installAndTrace(work, pack(pkg, path.join(work, 'out')), { compiler: false });
  assert.strictEqual(fs.existsSync(path.join(installed, 'build')), false, 'the prebuild was used: nothing compiled');
});

test('without a prebuild: the install compiles the addon, then traces and reports', { timeout: 600000 }, () => {
  const work = tempDir();
  const pkg = unpackedSource(work);
  const installed = installAndTrace(work, pack(pkg, path.join(work, 'out')));
  assert.strictEqual(fs.existsSync(path.join(installed, 'prebuilds')), false);
  assert.ok(fs.existsSync(path.join(installed, 'build', 'Release', 'alloctrace.node')), 'compiled at install');
});
