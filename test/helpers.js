'use strict';
// Runs real Node processes with the real addon: traced scripts and the CLI.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const REGISTER = path.join(ROOT, 'dist', 'register.js');
const CLI = path.join(ROOT, 'bin', 'alloctrace.js');
const FIXTURES = path.join(__dirname, 'fixtures');

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'alloctrace-test-'));
}

/** Runs a fixture under the preload with ALLOCTRACE_* variables. */
function runTraced(fixture, { env = {}, args = [], nodeArgs = [], cwd } = {}) {
  const result = spawnSync(process.execPath, [...nodeArgs, '--require', REGISTER, path.join(FIXTURES, fixture), ...args], {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120000,
  });
  return result;
}

/** Runs a fixture without the preload (it uses the in-process API itself). */
function runPlain(fixture, { env = {}, args = [] } = {}) {
  return spawnSync(process.execPath, [path.join(FIXTURES, fixture), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120000,
  });
}

function cli(args, options = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120000, ...options });
}

function reportJson(files, args = []) {
  const r = cli(['report', ...[].concat(files), '--json', ...args]);
  if (r.status !== 0) throw new Error(`report exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function infoJson(file) {
  const r = cli(['info', file, '--json']);
  if (r.status !== 0) throw new Error(`info exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Runs fixtures/sites.js (the addon used directly); returns the trace path, the heap truth per site, and the snapshot file. */
function makeSitesTrace(dir, { interval = 32768, snapshot = false } = {}) {
  const file = path.join(dir, `sites-${interval}.atrace`);
  const snap = snapshot ? path.join(dir, `sites-${interval}.snapshot`) : '';
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(FIXTURES, 'sites.js'), file, String(interval)], {
    encoding: 'utf8', env: { ...process.env, SITES_SNAPSHOT: snap }, cwd: dir,
  });
  if (r.status !== 0) throw new Error(`sites.js failed (${r.status}): ${r.stderr}`);
  return { file, snapshotFile: snap, truth: JSON.parse(r.stdout) };
}

/**
 * Starts a long-running fixture (with the preload unless `preload: false`).
 * `waitFor('stdout'|'stderr', regex)` resolves with the match once that output
 * shows it (rejects if the process exits first); `exited` resolves with the exit code.
 */
function spawnApp(fixture, { args = [], env = {}, preload = true } = {}) {
  const child = spawn(process.execPath, [...(preload ? ['--require', REGISTER] : []), path.join(FIXTURES, fixture), ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  for (const name of ['stdout', 'stderr']) child[name].setEncoding('utf8').on('data', (d) => { out[name] += d; child.emit('output'); });
  const waitFor = (name, regex) => new Promise((resolve, reject) => {
    const check = () => {
      const m = regex.exec(out[name]);
      if (m) {
        child.off('output', check);
        resolve(m);
      }
    };
    child.on('output', check);
    check();
    exited.then((code) => reject(new Error(`${fixture} exited ${code} before ${name} showed ${regex}: ${out.stderr}`)));
  });
  return { child, waitFor, exited, stdout: () => out.stdout, stderr: () => out.stderr };
}

/** Lines of stderr that are our warnings. */
function warnings(stderr) {
  return stderr.split('\n').filter((l) => l.startsWith('alloctrace:'));
}

module.exports = { ROOT, REGISTER, CLI, FIXTURES, tempDir, runTraced, runPlain, spawnApp, makeSitesTrace, cli, reportJson, infoJson, warnings };
