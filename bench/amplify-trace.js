'use strict';
// Makes a large single-session trace from a real one: the seed's Header and
// definitions once, then its Batch and Memory records K times over, each copy
// with sample ids shifted past the previous copy's and times shifted by the
// seed's duration; markers start/exit and a Trailer with the summed counts.
// Only the first (delta-encoded) id of each list and the times change, so the
// batches keep the real record mix, id deltas and stack references.
// A real alloctrace process cannot make 100 MB quickly: polls back off to 1 %
// of the time, which caps what one process records at ~50k samples/s.
// Records are read with the project's reader and written with its trace writer.
// Usage: node bench/amplify-trace.js SEED OUT TARGET_BYTES
const fs = require('node:fs');
const { TraceReader } = require('../dist/format/reader');
const { TraceWriter } = require('../dist/format/trace-writer');

const DEFINITIONS = new Set(['header', 'string', 'frame', 'stack']);

function lastId(deltas) {
  return deltas.reduce((id, d) => id + d, 0);
}

function amplify(seedFile, outFile, targetBytes) {
  const seed = [];
  let seedBatchBytes = 0;
  let maxId = 0;
  let duration = 0;
  let previous = null;
  const reader = new TraceReader(seedFile);
  for (const { offset, record } of reader.records()) {
    if (previous && previous.kind === 'batch') seedBatchBytes += offset - previous.offset;
    previous = { kind: record.kind, offset };
    seed.push(record);
    if (record.kind === 'batch') {
      maxId = Math.max(maxId, lastId(record.batch.allocIds), lastId(record.batch.freedIds));
      duration = Math.max(duration, record.batch.timeNs);
    } else if (record.kind === 'memory' || record.kind === 'trailer') {
      duration = Math.max(duration, record[record.kind].timeNs);
    }
  }
  if (previous && previous.kind === 'batch') seedBatchBytes += reader.bytes - previous.offset;

  const copies = Math.max(1, Math.round(targetBytes / seedBatchBytes));
  const fd = fs.openSync(outFile, 'w');
  // The project's trace writer; the seed's records keep their own ids, so they go in as they are.
  const writer = new TraceWriter();
  let pending = 0;
  const put = (kind, body) => {
    writer.record({ kind, [kind]: body });
    if (++pending >= 4096) {
      fs.writeSync(fd, writer.take());
      pending = 0;
    }
  };

  let allocs = 0; let frees = 0; let batches = 0; let endTime = 0;
  const shiftFirst = (deltas, by) => (deltas.length === 0 ? deltas : [deltas[0] + by, ...deltas.slice(1)]);
  for (let c = 0; c < copies; c++) {
    const idShift = c * (maxId + 1);
    const tShift = c * (duration + 1);
    for (const record of seed) {
      if (DEFINITIONS.has(record.kind)) {
        if (c === 0) put(record.kind, record[record.kind]);
      } else if (record.kind === 'marker') {
        if (c === 0 && record.marker.name === 'start') put('marker', record.marker);
      } else if (record.kind === 'batch') {
        const b = record.batch;
        allocs += b.allocIds.length;
        frees += b.freedIds.length;
        batches++;
        endTime = Math.max(endTime, b.timeNs + tShift);
        put('batch', {
          ...b, timeNs: b.timeNs + tShift,
          allocIds: shiftFirst(b.allocIds, idShift), freedIds: shiftFirst(b.freedIds, idShift),
        });
      } else if (record.kind === 'memory') {
        put('memory', { ...record.memory, timeNs: record.memory.timeNs + tShift });
      }
    }
  }
  put('marker', { timeNs: endTime, name: 'exit', gcForced: true, requestedNs: 0 });
  put('trailer', { timeNs: endTime, allocs, frees, batches, droppedRecords: 0 });
  fs.writeSync(fd, writer.take());
  fs.closeSync(fd);
  return { copies, allocs, frees, batches, bytes: fs.statSync(outFile).size, durationNs: endTime };
}

module.exports = { amplify };

if (require.main === module) {
  const [seedFile, out, bytes] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(amplify(seedFile, out, Number(bytes)))}\n`);
}
