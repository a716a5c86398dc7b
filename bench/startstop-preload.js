'use strict';
// Start-up breakdown for callgrind: starts the native tracer with the preload's
// defaults and stops it at exit WITHOUT the full GC the preload's exit does.
const { loadNative } = require('../dist/native');

const native = loadNative();
const error = native.start({
  file: process.env.ALLOCTRACE_FILE, interval: 524288, depth: 64, pollMs: 1000, precise: false,
  pid: process.pid, threadId: 0, hostname: 'bench', argv: process.argv, cwd: process.cwd(),
  nodeVersion: process.version,
});
if (error !== undefined) throw new Error(error);
process.on('exit', () => native.stop(false, 'exit'));
