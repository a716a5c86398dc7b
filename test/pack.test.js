'use strict';
// The package as users get it: packed, installed into a fresh project,
// preloaded, reported on. With an ABI-tagged prebuild nothing compiles;
// without one, the install compiles the addon (node-gyp-build's fallback).
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

/** Installs the tarball into a new project, traces a script, checks the report. Returns the installed dir. */
function installAndTrace(work, tarball) {
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'pack-app', version: '1.0.0', private: true }));
  sh(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
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

test('with an ABI-tagged prebuild: installs without compiling, traces and reports', { timeout: 600000 }, () => {
  const work = tempDir();
  const pkg = unpackedSource(work);
  // prebuildify builds in the copy, never in the build other tests load.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
  sh(npm, ['run', 'prebuildify'], pkg);
  const prebuilds = fs.readdirSync(path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`));
  assert.deepStrictEqual(prebuilds, [`alloctrace.abi${process.versions.modules}.node`], 'an ABI-tagged prebuild, not N-API');
  fs.unlinkSync(path.join(pkg, 'node_modules'));
  fs.rmSync(path.join(pkg, 'build'), { recursive: true, force: true });
  const installed = installAndTrace(work, pack(pkg, path.join(work, 'out')));
  assert.strictEqual(fs.existsSync(path.join(installed, 'build')), false, 'the prebuild was used: nothing compiled');
});

test('without a prebuild: the install compiles the addon, then traces and reports', { timeout: 600000 }, () => {
  const work = tempDir();
  const pkg = unpackedSource(work);
  const installed = installAndTrace(work, pack(pkg, path.join(work, 'out')));
  assert.strictEqual(fs.existsSync(path.join(installed, 'prebuilds')), false);
  assert.ok(fs.existsSync(path.join(installed, 'build', 'Release', 'alloctrace.node')), 'compiled at install');
});
