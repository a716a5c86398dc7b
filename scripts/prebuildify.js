#!/usr/bin/env node
'use strict';
// `npm run prebuildify`: one ABI-tagged prebuild per supported Node line
// (prebuilds/<platform>-<arch>/alloctrace.abiNNN.node). The addon uses V8's
// C++ API, so it is not N-API: each line needs its own build, against its own
// headers (see node-lines.js). `--current` builds for the running node only;
// `--out DIR` puts the prebuilds in DIR/prebuilds instead of the checkout's.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { LINES, nodeFor } = require('./node-lines');

const ROOT = path.join(__dirname, '..');
const outAt = process.argv.indexOf('--out');
const OUT = outAt > 0 ? path.resolve(process.argv[outAt + 1]) : ROOT;
const PREBUILDIFY = require.resolve('prebuildify/bin.js');

// Built in a scratch copy: prebuildify rebuilds build/, which the checkout's
// own node loads first and which must stay built for that node.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'alloctrace-prebuildify-'));
for (const entry of ['native', 'binding.gyp', 'package.json']) {
  fs.cpSync(path.join(ROOT, entry), path.join(scratch, entry), { recursive: true });
}
fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(scratch, 'node_modules'));

const lines = process.argv.includes('--current') ? [Number(process.versions.node.split('.')[0])] : LINES;
for (const line of lines) {
  const node = nodeFor(line);
  const env = { ...process.env, PATH: `${node.binDir}${path.delimiter}${process.env.PATH}` };
  if (node.nodedir !== undefined) env.npm_config_nodedir = node.nodedir;
  process.stderr.write(`prebuildify: Node ${node.version} (abi${node.abi})\n`);
  const r = spawnSync(process.execPath, [PREBUILDIFY, '--napi=false', '--strip', '--target', `node@${node.version}`], {
    cwd: scratch, env, stdio: 'inherit',
  });
  if (r.status !== 0) {
    process.stderr.write(`prebuildify: the build for Node ${node.version} failed\n`);
    process.exit(1);
  }
}
fs.cpSync(path.join(scratch, 'prebuilds'), path.join(OUT, 'prebuilds'), { recursive: true });
fs.rmSync(scratch, { recursive: true, force: true });
for (const dir of fs.readdirSync(path.join(OUT, 'prebuilds'))) {
  process.stdout.write(`prebuilds/${dir}: ${fs.readdirSync(path.join(OUT, 'prebuilds', dir)).join(' ')}\n`);
}
