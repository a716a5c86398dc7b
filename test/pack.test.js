'use strict';
// The package as users get it: packed with an ABI-tagged prebuild, installed
// into a fresh project (no compiler needed), preloaded, reported on.
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

test('npm pack with a prebuild, install into a temporary project, trace a script', { timeout: 600000 }, () => {
  const work = tempDir();
  // Pack what the repository has now (dist/ is built by `npm test`), in a copy,
  // so that building the prebuild never touches the build other tests load.
  const first = sh(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  const tarball = path.join(work, JSON.parse(first)[0].filename);
  const pkg = path.join(work, 'pkg');
  fs.mkdirSync(pkg);
  sh('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1'], work);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
  sh(npm, ['run', 'prebuildify'], pkg);
  const prebuilds = fs.readdirSync(path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`));
  assert.deepStrictEqual(prebuilds, [`alloctrace.abi${process.versions.modules}.node`], 'an ABI-tagged prebuild, not N-API');
  fs.unlinkSync(path.join(pkg, 'node_modules'));
  fs.rmSync(path.join(pkg, 'build'), { recursive: true, force: true });
  fs.mkdirSync(path.join(work, 'out'));
  const second = sh(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', path.join(work, 'out')], pkg);
  const packed = path.join(work, 'out', JSON.parse(second)[0].filename);

  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'pack-app', version: '1.0.0', private: true }));
  sh(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', packed], app);
  const installed = path.join(app, 'node_modules', 'alloctrace');
  assert.strictEqual(fs.existsSync(path.join(installed, 'build')), false, 'the prebuild was used: nothing compiled');
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
});
