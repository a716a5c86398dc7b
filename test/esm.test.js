'use strict';
// The package's ESM entry (index.mjs) exposes what its CommonJS entry does,
// under the same names and as the same objects.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, FIXTURES, tempDir } = require('./helpers');

test("import { start, Snapshot, Filter } from 'alloctrace' works, and ESM has every CommonJS export", () => {
  const app = tempDir();
  fs.mkdirSync(path.join(app, 'node_modules'));
  // Installed as a dependency is: resolved by name, through package.json "exports".
  fs.symlinkSync(ROOT, path.join(app, 'node_modules', 'alloctrace'), 'dir');
  fs.copyFileSync(path.join(FIXTURES, 'esm-exports.mjs'), path.join(app, 'main.mjs'));
  const r = spawnSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const out = JSON.parse(r.stdout);
  assert.ok(out.cjsNames.length >= 19, out.cjsNames.join(' '));
  for (const name of ['start', 'stop', 'isAvailable', 'takeSnapshot', 'Snapshot', 'Filter', 'Statistic', 'adminHandler']) {
    assert.ok(out.cjsNames.includes(name), name);
  }
  assert.deepEqual(out.esmNames, out.cjsNames, 'the same named exports');
  assert.deepEqual(out.sameObjects, [], 'the same objects, not copies');
  assert.equal(out.defaultIsCjs, true);
  assert.equal(out.started, true);
  assert.equal(out.isSnapshot, true);
  assert.ok(out.filteredSamples > 0, 'the snapshot holds the module\'s own allocations');
});
