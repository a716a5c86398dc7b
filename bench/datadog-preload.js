'use strict';
// The "@datadog/pprof" baseline for bench/http.js: its heap profiler (V8's
// sampling heap profiler) at alloctrace's default interval and depth, collected
// every second the way a profiling agent does it: heap.profile() (reads V8's
// allocation profile and converts it to a pprof Profile in JS), then encode()
// (serializes and gzips it, asynchronously on the thread pool). The result is
// dropped: nothing is uploaded. A real dd-trace agent collects once a minute by
// default; once a second is the setting, comparable with alloctrace's poll.
// Usage: node --require bench/datadog-preload.js app.js
const { heap, encode } = require('@datadog/pprof');

heap.start(524288, 64);
setInterval(() => {
  encode(heap.profile()).catch((err) => process.stderr.write(`datadog-preload: ${err.message}\n`));
}, 1000).unref();
