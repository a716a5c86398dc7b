// A fast path for Batch records, the bulk of every trace (~all of its bytes):
// the packed lists are decoded by hand from the bytes into reused typed
// arrays, with no protobufjs object or JS array per record. Field numbers come
// from the schema (proto/alloctrace.proto via protobufjs), never from literals.
// Anything unusual (an unexpected wire type, a list cut short, a Record that
// is not a lone Batch) returns null: the caller then decodes the record with
// protobufjs, so errors and edge cases stay exactly as protobufjs has them.
import { recordMessageType } from './proto';

/** A Batch decoded by hand. The arrays are its BatchScratch's: valid until it decodes the next record. */
export interface BatchView {
  timeNs: number;
  liveSet: boolean;
  /** Entries in allocIds (delta-encoded), and of allocStacks and allocSizes (their own counts below). */
  allocCount: number;
  allocIds: Float64Array;
  stackCount: number;
  allocStacks: Uint32Array;
  sizeCount: number;
  allocSizes: Uint32Array;
  /** Entries in freedIds (delta-encoded). */
  freedCount: number;
  freedIds: Float64Array;
}

interface BatchFields { record: number; timeNs: number; allocIds: number; allocStacks: number; allocSizes: number; freedIds: number; liveSet: number }

let fields: BatchFields | null = null;

/** Field numbers of Record.batch and of Batch's fields, read from the schema once. */
export function batchFieldNumbers(): BatchFields {
  if (!fields) {
    const record = recordMessageType();
    const batch = record.root.lookupType('alloctrace.Batch');
    const id = (name: string): number => {
      const f = batch.fields[name];
      if (!f) throw new Error(`proto/alloctrace.proto: Batch has no field ${name}`);
      return f.id;
    };
    fields = {
      record: record.fields.batch.id, timeNs: id('timeNs'), allocIds: id('allocIds'), allocStacks: id('allocStacks'),
      allocSizes: id('allocSizes'), freedIds: id('freedIds'), liveSet: id('liveSet'),
    };
  }
  return fields;
}

const TWO_32 = 4294967296;

/** Growable scratch space, reused from record to record (one per reader). */
export class BatchScratch {
  ids: Float64Array = new Float64Array(1024);
  stacks: Uint32Array = new Uint32Array(1024);
  sizes: Uint32Array = new Uint32Array(1024);
  freed: Float64Array = new Float64Array(1024);
}

function grownF64(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

function grownU32(a: Uint32Array, need: number): Uint32Array {
  if (need <= a.length) return a;
  const b = new Uint32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

// The varint just read: its low and high 32 bits (as protobufjs's LongBits), and where it ended.
let lo = 0;
let hi = 0;
let at = 0;

/** Reads a varint at buf[p] (before end) into lo/hi/at; false if it runs past end or over 10 bytes. */
function varint(buf: Uint8Array, p: number, end: number): boolean {
  let b = 0;
  let l = 0;
  let h = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (p >= end) return false;
    b = buf[p++];
    l |= (b & 0x7f) << shift;
    if (b < 0x80) {
      lo = l >>> 0;
      hi = 0;
      at = p;
      return true;
    }
  }
  // Byte 5 holds bits 28-31 (low word) and 32-34 (high word).
  if (p >= end) return false;
  b = buf[p++];
  l |= (b & 0x0f) << 28;
  h = (b & 0x7f) >> 4;
  if (b >= 0x80) {
    for (let shift = 3; ; shift += 7) {
      if (shift > 31 || p >= end) return false;
      b = buf[p++];
      h |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
  }
  lo = l >>> 0;
  hi = h >>> 0;
  at = p;
  return true;
}

/** Varints in a packed list buf[p, end) (bytes that end one), or -1 if the last one runs past the end. */
function packedCount(buf: Uint8Array, p: number, end: number): number {
  if (end > p && buf[end - 1] >= 0x80) return -1;
  let n = 0;
  for (let i = p; i < end; i++) if (buf[i] < 0x80) n++;
  return n;
}

/** Appends the varints of a packed list buf[p, end) to a list; returns the new count, or -1 if malformed. */
function packedU64(scratch: BatchScratch, buf: Uint8Array, p: number, end: number, which: 'ids' | 'freed', count: number): number {
  let out = scratch[which];
  // At most one entry per byte.
  out = grownF64(out, count + (end - p));
  scratch[which] = out;
  while (p < end) {
    const b = buf[p];
    if (b < 0x80) {
      out[count++] = b;
      p++;
      continue;
    }
    if (!varint(buf, p, end)) return -1;
    out[count++] = lo + hi * TWO_32;
    p = at;
  }
  return count;
}

function packedU32(scratch: BatchScratch, buf: Uint8Array, p: number, end: number, which: 'stacks' | 'sizes', count: number): number {
  let out = scratch[which];
  out = grownU32(out, count + (end - p));
  scratch[which] = out;
  while (p < end) {
    const b = buf[p];
    if (b < 0x80) {
      out[count++] = b;
      p++;
      continue;
    }
    if (!varint(buf, p, end)) return -1;
    out[count++] = lo;
    p = at;
  }
  return count;
}

/**
 * Decodes a Record body that is a lone Batch; null when it is another kind of
 * record or anything is unusual (decode it with protobufjs then). countOnly:
 * the lists' entries are counted, not decoded (the arrays hold nothing new).
 */
export function decodeBatchView(body: Uint8Array, scratch: BatchScratch, countOnly = false): BatchView | null {
  const f = batchFieldNumbers();
  const end = body.length;
  if (!varint(body, 0, end) || hi !== 0 || lo !== ((f.record << 3) | 2)) return null;
  if (!varint(body, at, end) || hi !== 0 || at + lo !== end) return null;
  let p = at;
  let timeNs = 0;
  let liveSet = false;
  let nIds = 0;
  let nStacks = 0;
  let nSizes = 0;
  let nFreed = 0;
  while (p < end) {
    if (!varint(body, p, end) || hi !== 0) return null;
    const field = lo >>> 3;
    const wire = lo & 7;
    p = at;
    if (wire === 2) {
      if (!varint(body, p, end) || hi !== 0) return null;
      const start = at;
      const stop = start + lo;
      if (stop > end) return null;
      if (countOnly) {
        // The lists are left unfilled: only how many entries each holds.
        const k = field === f.allocIds || field === f.freedIds || field === f.allocStacks || field === f.allocSizes
          ? packedCount(body, start, stop) : -1;
        if (k < 0) return null;
        if (field === f.allocIds) nIds += k;
        else if (field === f.freedIds) nFreed += k;
        else if (field === f.allocStacks) nStacks += k;
        else nSizes += k;
      } else if (field === f.allocIds) nIds = packedU64(scratch, body, start, stop, 'ids', nIds);
      else if (field === f.freedIds) nFreed = packedU64(scratch, body, start, stop, 'freed', nFreed);
      else if (field === f.allocStacks) nStacks = packedU32(scratch, body, start, stop, 'stacks', nStacks);
      else if (field === f.allocSizes) nSizes = packedU32(scratch, body, start, stop, 'sizes', nSizes);
      else return null; // a field this version does not know, or an unexpected encoding
      if (nIds < 0 || nFreed < 0 || nStacks < 0 || nSizes < 0) return null;
      p = stop;
    } else if (wire === 0) {
      if (!varint(body, p, end)) return null;
      p = at;
      if (field === f.timeNs) timeNs = lo + hi * TWO_32;
      else if (field === f.liveSet) liveSet = lo !== 0;
      else return null; // an unpacked list entry or an unknown field: protobufjs's business
    } else {
      return null;
    }
  }
  return {
    timeNs, liveSet,
    allocCount: nIds, allocIds: scratch.ids, stackCount: nStacks, allocStacks: scratch.stacks,
    sizeCount: nSizes, allocSizes: scratch.sizes, freedCount: nFreed, freedIds: scratch.freed,
  };
}
