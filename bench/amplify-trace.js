'use strict';
// Makes a large single-session trace from a real one: the seed's Header and
// definitions once, then its Batch and Memory records K times over, each copy
// with sample ids shifted past the previous copy's and times shifted by the
// seed's duration; markers start/exit and a Trailer with the summed counts.
// Only the first (delta-encoded) id of each list and the times are rewritten,
// so the batches keep the real record mix, id deltas and stack references.
// A real alloctrace process cannot make 100 MB quickly: polls back off to 1 %
// of the time, which caps what one process records at ~50k samples/s.
// Usage: node bench/amplify-trace.js SEED OUT TARGET_BYTES
const fs = require('node:fs');

const MAGIC_LENGTH = 8;
const K = { header: 1, string: 2, frame: 3, stack: 4, batch: 5, memory: 6, marker: 7, trailer: 8 };

function readVarint(buf, pos) {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
}

function varint(value) {
  const out = [];
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Buffer.from(out);
}

function field(num, wireType) { return varint(num * 8 + wireType); }
function lenField(num, bytes) { return Buffer.concat([field(num, 2), varint(bytes.length), bytes]); }
function record(kind, body) {
  const rec = lenField(kind, body);
  return Buffer.concat([varint(rec.length), rec]);
}

/** Splits a message into [fieldNumber, wireType, value (number) | bytes (Buffer)]. */
function fields(buf) {
  const out = [];
  let pos = 0;
  while (pos < buf.length) {
    let key;
    [key, pos] = readVarint(buf, pos);
    const num = Math.floor(key / 8);
    const wt = key % 8;
    if (wt === 0) {
      let v;
      [v, pos] = readVarint(buf, pos);
      out.push([num, wt, v]);
    } else if (wt === 2) {
      let len;
      [len, pos] = readVarint(buf, pos);
      out.push([num, wt, buf.subarray(pos, pos + len)]);
      pos += len;
    } else {
      throw new Error(`unexpected wire type ${wt}`);
    }
  }
  return out;
}

function encode(fieldList) {
  return Buffer.concat(fieldList.map(([num, wt, v]) => (wt === 0
    ? Buffer.concat([field(num, 0), varint(v)]) : lenField(num, v))));
}

/** Records of the seed as [kind, bodyBuffer]. */
function readSeed(file) {
  const buf = fs.readFileSync(file);
  const recs = [];
  let pos = MAGIC_LENGTH;
  while (pos < buf.length) {
    let len;
    [len, pos] = readVarint(buf, pos);
    const rec = buf.subarray(pos, pos + len);
    pos += len;
    let key; let p = 0;
    [key, p] = readVarint(rec, p);
    let blen;
    [blen, p] = readVarint(rec, p);
    recs.push([Math.floor(key / 8), rec.subarray(p, p + blen)]);
  }
  return { magic: buf.subarray(0, MAGIC_LENGTH), recs };
}

function amplify(seedFile, outFile, targetBytes) {
  const { magic, recs } = readSeed(seedFile);
  let maxId = 0;
  let duration = 0;
  let seedBatchBytes = 0;
  for (const [kind, body] of recs) {
    if (kind === K.batch) {
      seedBatchBytes += body.length;
      for (const [num, wt, v] of fields(body)) {
        if (wt === 2 && (num === 2 || num === 5)) {
          let pos = 0; let id = 0;
          while (pos < v.length) { let d; [d, pos] = readVarint(v, pos); id += d; }
          maxId = Math.max(maxId, id);
        }
      }
    }
    if (kind === K.trailer || kind === K.memory || kind === K.batch) duration = Math.max(duration, fields(body)[0][2]);
  }
  const copies = Math.max(1, Math.round(targetBytes / seedBatchBytes));
  const idStep = maxId + 1;
  const fd = fs.openSync(outFile, 'w');
  const chunks = [magic];
  let pending = magic.length;
  const put = (b) => {
    chunks.push(b);
    pending += b.length;
    if (pending > 4 << 20) { fs.writeSync(fd, Buffer.concat(chunks)); chunks.length = 0; pending = 0; }
  };
  let allocs = 0; let frees = 0; let batches = 0; let endTime = 0;
  for (let c = 0; c < copies; c++) {
    const idShift = c * idStep;
    const tShift = c * (duration + 1);
    for (const [kind, body] of recs) {
      if (c === 0 && (kind === K.header || kind === K.string || kind === K.frame || kind === K.stack)) {
        put(record(kind, body));
      } else if (kind === K.marker) {
        const f = fields(body);
        const name = (f.find((x) => x[0] === 2) || [0, 0, Buffer.alloc(0)])[2].toString();
        if (name === 'start' && c === 0) put(record(kind, body));
      } else if (kind === K.batch || kind === K.memory) {
        const out = fields(body).map(([num, wt, v]) => {
          if (num === 1) return [num, wt, v + tShift];
          if (kind === K.batch && wt === 2 && (num === 2 || num === 5)) {
            const [first, rest] = readVarint(v, 0);
            if (num === 2) allocs += countVarints(v); else frees += countVarints(v);
            return [num, wt, Buffer.concat([varint(first + idShift), v.subarray(rest)])];
          }
          return [num, wt, v];
        });
        if (kind === K.batch) batches++;
        endTime = Math.max(endTime, out[0][0] === 1 ? out[0][2] : 0);
        put(record(kind, encode(out)));
      }
    }
  }
  put(record(K.marker, encode([[1, 0, endTime], [2, 2, Buffer.from('exit')], [3, 0, 1]])));
  put(record(K.trailer, encode([[1, 0, endTime], [2, 0, allocs], [3, 0, frees], [4, 0, batches]])));
  fs.writeSync(fd, Buffer.concat(chunks));
  fs.closeSync(fd);
  return { copies, allocs, frees, batches, bytes: fs.statSync(outFile).size, durationNs: endTime };
}

function countVarints(v) {
  let n = 0;
  for (let i = 0; i < v.length; i++) if (v[i] < 0x80) n++;
  return n;
}

module.exports = { amplify };

if (require.main === module) {
  const [seed, out, bytes] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(amplify(seed, out, Number(bytes)))}\n`);
}
