#!/usr/bin/env node
'use strict';
// The Node.js lines alloctrace supports, and where each one's binary and
// headers come from: the running node for its own line, otherwise the npm
// registry's node-<platform>-<arch> package (it holds both), installed once
// into .nodes/<line>/. Used by `npm run prebuildify`, .ci/run and bench/.
//
//   node scripts/node-lines.js            prints the supported lines
//   node scripts/node-lines.js --env 24   prints PATH_DIR=... NODEDIR=... for line 24
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const LINES = [20, 22, 24, 26];
const ROOT = path.join(__dirname, '..');
const CACHE = process.env.ALLOCTRACE_NODES_DIR || path.join(ROOT, '.nodes');

function major(version) {
  return Number(String(version).replace(/^v/, '').split('.')[0]);
}

/**
 * The binary and headers of a line: { line, version, bin, binDir, nodedir, abi }.
 * nodedir is undefined for the running node, where node-gyp's own setting
 * (npm_config_nodedir, or its download) applies.
 */
function nodeFor(line) {
  if (major(process.version) === line) {
    return {
      line, version: process.version.slice(1), bin: process.execPath, binDir: path.dirname(process.execPath),
      nodedir: process.env.npm_config_nodedir || undefined, abi: process.versions.modules,
    };
  }
  const pkg = `node-${process.platform}-${process.arch}`;
  const prefix = path.join(CACHE, String(line));
  const home = path.join(prefix, 'node_modules', pkg);
  const bin = path.join(home, 'bin', 'node');
  if (!fs.existsSync(bin)) {
    process.stderr.write(`fetching Node ${line} (${pkg}@${line}) into ${prefix}\n`);
    fs.mkdirSync(prefix, { recursive: true });
    execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund',
      `${pkg}@${line}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const [version, abi] = execFileSync(bin, ['-p', 'process.version.slice(1) + " " + process.versions.modules'], { encoding: 'utf8' })
    .trim().split(' ');
  if (major(version) !== line) throw new Error(`${bin} is Node ${version}, not Node ${line}`);
  return { line, version, bin, binDir: path.dirname(bin), nodedir: home, abi };
}

module.exports = { LINES, nodeFor };

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === '--env') {
    const n = nodeFor(Number(args[1]));
    process.stdout.write(`PATH_DIR=${n.binDir}\nNODEDIR=${n.nodedir ?? ''}\n`);
  } else {
    process.stdout.write(`${LINES.join(' ')}\n`);
  }
}
