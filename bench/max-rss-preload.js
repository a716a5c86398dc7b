'use strict';
// Preloaded into a measured command: at exit, its peak RSS (KiB) as the last
// line on stderr, which bench/report.js reads and strips.
process.on('exit', () => {
  process.stderr.write(`\nbench-max-rss-kib ${process.resourceUsage().maxRSS}\n`);
});
