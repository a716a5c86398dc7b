'use strict';
// The public API's types: a strict TypeScript consumer compiles against dist/.
const test = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { ROOT, FIXTURES } = require('./helpers');

test('a strict TypeScript consumer type-checks against the published declarations', () => {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '--strict', '--noEmit', '--types', 'node', '--module', 'commonjs',
    '--esModuleInterop', '--target', 'ES2022', path.join(FIXTURES, 'consumer.ts')], { encoding: 'utf8', cwd: ROOT });
  assert.strictEqual(r.status, 0, r.stdout + r.stderr);
});
