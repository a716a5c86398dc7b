'use strict';
// Part (d): trace file bytes per sampled allocation (its free included), on
// allocation churn (bench/churn-work.js) at small sampling intervals, and how
// much of it is the 4-byte CRC32C each record carries (format 2).
const fs = require('node:fs');
const path = require('node:path');
const { OUT, REGISTER, CLI, cleanEnv, run, runOk, figure, writeJson, table, log, ensureOut } = require('./lib');
const { countTrace } = require('./trace-count');

const WORK = path.join(__dirname, 'churn-work.js');

/** `alloctrace info FILE --json` if the CLI works, else null. */
async function cliInfo(file) {
  if (!fs.existsSync(CLI)) return null;
  try {
    const r = await run(process.execPath, [CLI, 'info', file, '--json'], { timeoutMs: 120000 });
    return r.code === 0 ? JSON.parse(r.stdout) : null;
  } catch {
    return null;
  }
}

async function runSize({ quick }) {
  ensureOut();
  const seconds = quick ? 2 : 6;
  const intervals = quick ? [1024] : [4096, 1024, 256];
  const rows = [];
  for (const interval of intervals) {
    const file = path.join(OUT, `size-${interval}.atrace`);
    fs.rmSync(file, { force: true });
    await runOk(process.execPath, ['--require', REGISTER, WORK, String(seconds)],
      { env: cleanEnv({ ALLOCTRACE_FILE: file, ALLOCTRACE_INTERVAL: String(interval) }) });
    const c = countTrace(file);
    const info = await cliInfo(file);
    const batch = c.bytesByKind.batch || 0;
    const row = {
      interval, bytes: c.bytes, allocs: c.allocs, frees: c.frees, batches: c.batches,
      bytesPerAlloc: c.bytes / c.allocs,
      // Exact: a format-1 file of the same records would be 4 bytes shorter per record.
      crcBytesPerAlloc: (4 * c.records) / c.allocs,
      records: c.records,
      batchBytesPerAlloc: batch / c.allocs,
      definitionsBytes: (c.bytesByKind.string || 0) + (c.bytesByKind.frame || 0) + (c.bytesByKind.stack || 0),
      bytesByKind: c.bytesByKind,
      cli: info ? { allocs: info.allocs, frees: info.frees, bytes: info.bytes } : null,
    };
    if (info && (info.allocs !== c.allocs || info.frees !== c.frees)) {
      row.mismatch = `alloctrace info says ${info.allocs} allocs / ${info.frees} frees, protobufjs count ${c.allocs} / ${c.frees}`;
      log(`[size] WARNING: ${row.mismatch}`);
    }
    rows.push(row);
    fs.rmSync(file, { force: true });
    log(`[size] interval ${interval}: ${c.bytes} B, ${c.allocs} allocs, ${c.frees} frees → ` +
      `${row.bytesPerAlloc.toFixed(2)} B per sampled allocation (batches alone ${row.batchBytesPerAlloc.toFixed(2)}, ` +
      `checksums ${row.crcBytesPerAlloc.toFixed(3)})` +
      `${info ? ' [info --json agrees]' : ' [counted with protobufjs; info --json not available]'}`);
  }
  writeJson(quick ? 'size-quick.json' : 'size.json', { seconds, rows });
  log(`\n[size] ${seconds} s of churn per interval`);
  log(table(['interval B', 'file B', 'allocs', 'frees', 'records', 'B/alloc', 'CRC B/alloc', 'batch B/alloc', 'defs B'],
    rows.map((r) => [r.interval, r.bytes, r.allocs, r.frees, r.records, r.bytesPerAlloc.toFixed(2), r.crcBytesPerAlloc.toFixed(3),
      r.batchBytesPerAlloc.toFixed(2), r.definitionsBytes])));
  const figures = rows.map((r) => figure('size', `bytes per sampled alloc (+free), interval ${r.interval}`,
    r.bytesPerAlloc, 'B', '≤ 8', r.bytesPerAlloc <= 8));
  for (const r of rows) figures.push(figure('size', `of which CRC32C, interval ${r.interval}`, r.crcBytesPerAlloc, 'B', ''));
  return { data: rows, figures };
}

module.exports = { runSize };
