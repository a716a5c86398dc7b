'use strict';
// Frames in compiled TypeScript are shown at their .ts file, line and name,
// through the script's source map (a .map file, an inline map, or a
// directory given with --source-maps); --no-source-maps shows the .js.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, REGISTER, FIXTURES, tempDir, cli } = require('./helpers');

const SOURCE = path.join(FIXTURES, 'ts-leak', 'leak.ts');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** Compiles leak.ts into a new directory with the given map flags, runs it traced; returns the paths. */
function compileAndTrace(flags) {
  const dir = tempDir();
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  fs.copyFileSync(SOURCE, path.join(src, 'leak.ts'));
  const out = path.join(dir, 'dist');
  const c = spawnSync(process.execPath, [TSC, '--target', 'es2020', '--module', 'commonjs', '--strict', '--outDir', out, ...flags,
    path.join(src, 'leak.ts')], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stdout + c.stderr);
  const js = path.join(out, 'leak.js');
  const trace = path.join(dir, 'leak.atrace');
  const r = spawnSync(process.execPath, ['--require', REGISTER, js], {
    encoding: 'utf8', env: { ...process.env, ALLOCTRACE_FILE: trace, ALLOCTRACE_INTERVAL: '32768', ALLOCTRACE_PRECISE: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  return { dir, ts: path.join(src, 'leak.ts'), js, trace };
}

/** 1-based line of `text`'s first occurrence in `file`. */
function lineOf(file, text) {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} in ${file}`);
  return i + 1;
}

function topFrame(args) {
  const r = cli(['report', ...args, '--group-by', 'function', '--json', '--top', '50']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  return report.stats.map((s) => s.frames[0]).find((f) => f && f.function === 'rememberRecord');
}

test('a .map file next to the script: report shows the .ts file and line; --no-source-maps the .js', () => {
  const t = compileAndTrace(['--sourceMap']);
  const tsLine = lineOf(t.ts, 'function rememberRecord');
  const jsLine = lineOf(t.js, 'function rememberRecord');
  assert.notEqual(tsLine, jsLine, 'the types moved the function in the JavaScript');
  const mapped = topFrame([t.trace]);
  assert.equal(mapped.file, t.ts);
  assert.equal(mapped.line, tsLine);
  const raw = topFrame([t.trace, '--no-source-maps']);
  assert.equal(raw.file, t.js);
  assert.equal(raw.line, jsLine);
  // leaks and pprof show the same original position.
  const leaks = JSON.parse(cli(['leaks', t.trace, '--group-by', 'function', '--json', '--top', '50']).stdout);
  const site = leaks.sites.map((s) => s.frames[0]).find((f) => f && f.function === 'rememberRecord');
  assert.deepEqual({ file: site.file, line: site.line }, { file: t.ts, line: tsLine });
});

test('an inline data: URL map works the same', () => {
  const t = compileAndTrace(['--inlineSourceMap']);
  const mapped = topFrame([t.trace]);
  assert.equal(mapped.file, t.ts);
  assert.equal(mapped.line, lineOf(t.ts, 'function rememberRecord'));
});

test('--source-maps DIR finds a map moved away from the script; a broken map is one warning, frames as recorded', () => {
  const t = compileAndTrace(['--sourceMap']);
  const maps = path.join(t.dir, 'maps');
  fs.mkdirSync(maps);
  fs.renameSync(`${t.js}.map`, path.join(maps, 'leak.js.map'));
  const withoutDir = topFrame([t.trace]);
  assert.equal(withoutDir.file, t.js, 'the comment names a map that is gone: as recorded');
  // The moved map's sources are relative to where it was: point them at the source again.
  const map = JSON.parse(fs.readFileSync(path.join(maps, 'leak.js.map'), 'utf8'));
  map.sources = [t.ts];
  map.sourceRoot = '';
  fs.writeFileSync(path.join(maps, 'leak.js.map'), JSON.stringify(map));
  const found = topFrame([t.trace, '--source-maps', maps]);
  assert.equal(found.file, t.ts);
  assert.equal(found.line, lineOf(t.ts, 'function rememberRecord'));
  fs.writeFileSync(`${t.js}.map`, '{ not json');
  const r = cli(['report', t.trace, '--group-by', 'function', '--json', '--top', '50']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.split('\n').filter((l) => /source map not used/.test(l)).length, 1, r.stderr);
  assert.ok(JSON.parse(r.stdout).stats.some((s) => s.frames[0].file === t.js));
});
