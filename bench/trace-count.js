'use strict';
// Counts a trace's records, sampled allocations, frees and bytes per record
// kind with the project's one reader (dist/format/reader.js). Usage:
// node bench/trace-count.js FILE  → JSON on stdout.
const { TraceReader } = require('../dist/format/reader');

/** Counts a trace given as a file name or a Buffer (e.g. from native snapshot()). */
function countTrace(source) {
  const reader = new TraceReader(source);
  const out = {
    file: typeof source === 'string' ? source : null, bytes: reader.bytes, records: 0, allocs: 0, frees: 0,
    batches: 0, strings: 0, frames: 0, stacks: 0, memory: 0, markers: 0, headers: 0, trailer: null, bytesByKind: {},
  };
  let previous = null;
  const account = (end) => {
    if (previous) out.bytesByKind[previous.kind] = (out.bytesByKind[previous.kind] || 0) + end - previous.offset;
  };
  for (const { offset, record } of reader.records()) {
    account(offset);
    previous = { kind: record.kind, offset };
    out.records += 1;
    switch (record.kind) {
      case 'batch':
        out.batches += 1;
        out.allocs += record.batch.allocIds.length;
        out.frees += record.batch.freedIds.length;
        break;
      case 'string': out.strings += 1; break;
      case 'frame': out.frames += 1; break;
      case 'stack': out.stacks += 1; break;
      case 'memory': out.memory += 1; break;
      case 'marker': out.markers += 1; break;
      case 'header': out.headers += 1; break;
      case 'trailer': out.trailer = { ...record.trailer }; break;
      default: break;
    }
  }
  account(reader.truncatedAt ?? reader.bytes);
  if (reader.truncatedAt !== null) out.truncatedAt = reader.truncatedAt;
  return out;
}

module.exports = { countTrace };

if (require.main === module) {
  process.stdout.write(`${JSON.stringify(countTrace(process.argv[2]), null, 2)}\n`);
}
