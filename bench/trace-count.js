'use strict';
// Counts a trace file's records, sampled allocations and frees straight from
// proto/alloctrace.proto with protobufjs: the bench's own check, independent of
// `alloctrace info`. Usage: node bench/trace-count.js FILE  → JSON on stdout.
const fs = require('node:fs');
const path = require('node:path');
const protobuf = require('protobufjs');

const MAGIC_LENGTH = 8;

/** Counts a trace given as a file name or a Buffer (e.g. from native snapshot()). */
let recordType;
function countTrace(source) {
  recordType ||= protobuf.loadSync(path.join(__dirname, '..', 'proto', 'alloctrace.proto'))
    .lookupType('alloctrace.Record');
  const Record = recordType;
  const file = typeof source === 'string' ? source : null;
  const buf = file === null ? source : fs.readFileSync(file);
  if (buf.subarray(0, 6).toString('latin1') !== 'ATRACE') throw new Error(`${file}: no ATRACE signature`);
  const out = {
    file, bytes: buf.length, records: 0, allocs: 0, frees: 0, batches: 0,
    strings: 0, frames: 0, stacks: 0, memory: 0, markers: 0, headers: 0, trailer: null,
    bytesByKind: {},
  };
  const reader = protobuf.Reader.create(buf);
  reader.pos = MAGIC_LENGTH;
  while (reader.pos < buf.length) {
    const start = reader.pos;
    let len;
    try { len = reader.uint32(); } catch { out.truncatedAt = start; break; }
    if (reader.pos + len > buf.length) { out.truncatedAt = start; break; }
    const rec = Record.decode(buf.subarray(reader.pos, reader.pos + len));
    reader.pos += len;
    out.records += 1;
    const kind = Object.keys(rec).find((k) => rec[k] !== undefined && k !== 'kind') || 'unknown';
    out.bytesByKind[kind] = (out.bytesByKind[kind] || 0) + (reader.pos - start);
    if (rec.batch) {
      out.batches += 1;
      out.allocs += rec.batch.allocIds.length;
      out.frees += rec.batch.freedIds.length;
    } else if (rec.string) out.strings += 1;
    else if (rec.frame) out.frames += 1;
    else if (rec.stack) out.stacks += 1;
    else if (rec.memory) out.memory += 1;
    else if (rec.marker) out.markers += 1;
    else if (rec.header) out.headers += 1;
    else if (rec.trailer) {
      out.trailer = {};
      for (const [k, v] of Object.entries(rec.trailer)) out.trailer[k] = Number(v);
    }
  }
  return out;
}

module.exports = { countTrace };

if (require.main === module) {
  process.stdout.write(`${JSON.stringify(countTrace(process.argv[2]), null, 2)}\n`);
}
