// The one streaming reader of trace streams, whether they come from a file on
// disk (read in chunks, so 100 MB traces never sit in memory whole), from a
// pipe, FIFO or standard input (`-`; read once, front to back), or from a
// Buffer made in-process (Tracer.snapshot()).
import * as fs from 'node:fs';
import { InputError, openInput, readSequential, SequentialInput, STDIN } from './input';
import { BatchScratch, BatchView, decodeBatchView } from './batch-decode';
import { crc32c } from './checksum';
import {
  CHECKSUM_LENGTH, decodeRecord, FORMAT_VERSION, FORMAT_VERSION_UNCHECKED, MAGIC, MAGIC_LENGTH, TraceRecord,
} from './proto';

/** The input is not an alloctrace trace at all (empty, wrong magic, unknown version). */
export class NotATraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotATraceError';
  }
}

export interface RecordAt {
  /** Byte offset of the record's length prefix in the stream. */
  offset: number;
  record: TraceRecord;
}

/** A record as records() yields it with batch views on: Batches decoded by hand (see batch-decode.ts). */
export type FastRecord = TraceRecord | { kind: 'batchView'; batch: BatchView };

export interface FastRecordAt {
  offset: number;
  record: FastRecord;
}

/** Bytes read so far and the stream's size (0 for a pipe: unknown). */
export type ProgressListener = (read: number, total: number) => void;

export type TraceSource = string | Uint8Array;

const CHUNK = 4 << 20;
const MAX_VARINT_BYTES = 10;
// No writer emits a record this big; a larger length means the bytes are garbage.
const MAX_RECORD_BYTES = 1 << 30;

/** Where a stream stopped early and why; `offset` is where the bad or partial record starts. */
export interface ReadProblem { offset: number; message: string }

function describe(source: TraceSource): string {
  if (source === STDIN) return 'stdin';
  return typeof source === 'string' ? source : 'buffer';
}

function checkMagic(head: Uint8Array, length: number, name: string): number {
  if (length === 0) throw new NotATraceError(`${name}: not an alloctrace trace (empty file)`);
  const magicOk = length >= MAGIC.length && MAGIC.equals(head.subarray(0, MAGIC.length));
  if (!magicOk) throw new NotATraceError(`${name}: not an alloctrace trace (no ATRACE signature)`);
  if (length < MAGIC_LENGTH) {
    throw new NotATraceError(`${name}: not an alloctrace trace (file ends inside the signature)`);
  }
  const version = head[MAGIC.length];
  if (version !== FORMAT_VERSION && version !== FORMAT_VERSION_UNCHECKED) {
    throw new NotATraceError(
      `${name}: trace format version ${version} is not supported (this alloctrace reads versions ${FORMAT_VERSION_UNCHECKED} and ${FORMAT_VERSION})`);
  }
  return version;
}

/** Whether `file` begins with a trace's signature (commands that also read other files tell them apart by it). */
export function startsLikeTrace(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(MAGIC.length);
    return fs.readSync(fd, head, 0, head.length, 0) === head.length && MAGIC.equals(head);
  } catch {
    return false; // the command reading it says what is wrong with it
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The format version of a signature at buf[pos], or 0 if there is none. */
function magicAt(buf: Uint8Array, pos: number, end: number): number {
  if (end - pos < MAGIC_LENGTH) return 0;
  for (let i = 0; i < MAGIC.length; i++) if (buf[pos + i] !== MAGIC[i]) return 0;
  const version = buf[pos + MAGIC.length];
  return version === FORMAT_VERSION || version === FORMAT_VERSION_UNCHECKED ? version : 0;
}

/** A byte range skipped because it failed its checksum (format 2). */
export interface DamagedRange {
  /** Stream offset where the damaged record starts. */
  offset: number;
  bytes: number;
  why: string;
}

/** What is at a position: a whole record, not enough bytes yet, or no valid record. */
type Frame =
  | { status: 'ok'; bodyStart: number; length: number; next: number }
  | { status: 'short'; need: number; why: string }
  | { status: 'bad'; why: string };

/**
 * A Record holds exactly one field of its oneof, a message: one tag byte
 * (wire type 2) and a varint length that accounts for the rest. Checked
 * before the checksum, it rules out almost every wrong position at once
 * while resynchronizing after damage.
 */
function recordShapeOk(buf: Uint8Array, bodyStart: number, length: number, end: number): boolean | null {
  const tag = buf[bodyStart];
  if (tag === undefined || bodyStart >= end) return null;
  if ((tag & 7) !== 2 || tag < 0x0a || tag >= 0x80) return false;
  let inner = 0;
  let scale = 1;
  for (let q = bodyStart + 1; q < bodyStart + 1 + MAX_VARINT_BYTES; q++) {
    if (q >= end) return null;
    const b = buf[q];
    inner += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return inner === length - (q + 1 - bodyStart);
  }
  return false;
}

/**
 * Reads a trace stream record by record.
 *
 * The constructor checks the signature (throwing NotATraceError); records()
 * then yields every whole, decodable record. In a version-2 stream a record
 * that fails its checksum is skipped (`damaged` lists where and how many
 * bytes) and reading goes on at the next valid record. A cut-short tail, or
 * in a version-1 stream a record that fails to decode, ends the stream early:
 * `problem` says where and why. `warnings` says all of it in sentences.
 */
export class TraceReader {
  readonly name: string;
  problem: ReadProblem | null = null;
  /** Damaged records skipped (version 2), in stream order. */
  readonly damaged: DamagedRange[] = [];
  readonly warnings: string[] = [];
  /** The format version of the stream's first signature. */
  readonly version: number;

  private readonly source: TraceSource;
  private readonly size: number;
  private readonly sequential: SequentialInput | null = null;
  // Records decoded by this pass.
  private decoded = 0;
  // Stream offset of the next unread record.
  private scanPos = MAGIC_LENGTH;
  // The framing in force (a stream of concatenated traces may change it).
  private framing = FORMAT_VERSION;
  // While resynchronizing after damage: where the damage starts, and why.
  private damageFrom: number | null = null;
  private damageWhy = '';
  // The damage began as a record cut short by the end of the stream.
  private damageAtTail = false;
  // Batches decoded by hand into scratch views (fastRecords()).
  private fast = false;
  // ...or only their entries counted (see decodeBatchView).
  private countOnly = false;
  private scratch: BatchScratch | null = null;
  /** Called after each chunk read from a file or pipe. */
  onProgress: ProgressListener | null = null;

  constructor(source: TraceSource, name?: string) {
    this.source = source;
    this.name = name ?? describe(source);
    if (typeof source === 'string') {
      const fd = openInput(source, this.name);
      let keepOpen = false;
      try {
        const stat = fs.fstatSync(fd);
        if (stat.isDirectory()) throw new InputError(`cannot read ${this.name}: it is a directory, not a trace file`);
        const head = Buffer.alloc(MAGIC_LENGTH);
        if (stat.isFile() && source !== STDIN) {
          this.size = stat.size;
          this.version = checkMagic(head, fs.readSync(fd, head, 0, MAGIC_LENGTH, 0), this.name);
        } else {
          // A FIFO, pipe or standard input cannot be reopened or read at an offset.
          let n = 0;
          for (let got = 1; n < MAGIC_LENGTH && got > 0; n += got) got = readSequential(fd, head, n, MAGIC_LENGTH - n);
          this.size = 0;
          this.version = checkMagic(head, n, this.name);
          this.sequential = { fd, own: source !== STDIN, read: n, consumed: false };
          keepOpen = true;
        }
      } finally {
        if (!keepOpen && source !== STDIN) fs.closeSync(fd);
      }
    } else {
      this.size = source.length;
      this.version = checkMagic(source, source.length, this.name);
    }
  }

  /** Size of the stream in bytes (of a pipe: what was read of it so far). */
  get bytes(): number {
    return this.sequential ? this.sequential.read : this.size;
  }

  /** Byte offset where reading stopped early, or null if the whole stream was read. */
  get truncatedAt(): number | null {
    return this.problem ? this.problem.offset : null;
  }

  /**
   * Every whole, decodable record. Throws NotATraceError at the end if there
   * was none: a signature alone is no trace.
   */
  records(): Generator<RecordAt, void, undefined> {
    this.fast = false;
    return this.read() as Generator<RecordAt, void, undefined>;
  }

  /**
   * records(), but Batches come as views decoded by hand into this reader's
   * scratch arrays, which its next record reuses: use each before asking for
   * the next. The
   * checks, damage handling and warnings are records()'s. countOnly: the
   * views' lists are not filled, only their entries counted.
   */
  fastRecords(countOnly = false): Generator<FastRecordAt, void, undefined> {
    this.fast = true;
    this.scratch ??= new BatchScratch();
    this.countOnly = countOnly;
    return this.read();
  }

  private *read(): Generator<FastRecordAt, void, undefined> {
    this.decoded = 0;
    this.problem = null;
    this.warnings.length = 0;
    this.damaged.length = 0;
    this.scanPos = MAGIC_LENGTH;
    this.framing = this.version;
    this.damageFrom = null;
    if (typeof this.source === 'string') {
      yield* this.fromFile(this.source);
    } else {
      // A Buffer is whole: anything short at its end is a truncation, never "more to come".
      for (const item of this.scan(this.source, this.source.length, 0, true)) {
        if (typeof item !== 'number') yield item;
      }
    }
    this.warnDamage();
    if (this.decoded === 0) {
      const p = this.problem as ReadProblem | null;
      throw new NotATraceError(`${this.name}: not an alloctrace trace (no decodable record after the signature${
        p ? `: at byte ${p.offset}, ${p.message}` : ''})`);
    }
  }

  private *fromFile(file: string): Generator<FastRecordAt, void, undefined> {
    const seq = this.sequential;
    if (seq?.consumed) throw new InputError(`${this.name}: a stream can be read only once`);
    const fd = seq ? seq.fd : fs.openSync(file, 'r');
    try {
      let buf = Buffer.allocUnsafe(CHUNK);
      let bufStart = MAGIC_LENGTH; // stream offset of buf[0]
      let filled = 0;              // valid bytes in buf
      let eof = false;
      let want = 0;                // bytes the next record needs in the buffer
      for (;;) {
        // Drop what was consumed, grow for a record bigger than the buffer, read more.
        const consumed = this.scanPos - bufStart;
        if (consumed > 0) {
          buf.copy(buf, 0, consumed, filled);
          filled -= consumed;
          bufStart = this.scanPos;
        }
        if (want > buf.length) {
          const bigger = Buffer.allocUnsafe(Math.max(want, buf.length * 2));
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
        }
        if (!eof) {
          const got = seq
            ? readSequential(fd, buf, filled, buf.length - filled)
            : fs.readSync(fd, buf, filled, buf.length - filled, bufStart + filled);
          if (got === 0) eof = true;
          filled += got;
          if (seq) seq.read += got;
          if (this.onProgress) this.onProgress(seq ? seq.read : bufStart + filled, this.size);
        }
        want = 0;
        for (const item of this.scan(buf, filled, bufStart, eof)) {
          if (typeof item === 'number') {
            want = item;
            break;
          }
          yield item;
        }
        if (this.problem) return;
        if (want === 0 && eof) return;
      }
    } finally {
      if (seq) seq.consumed = true;
      if (!seq || seq.own) fs.closeSync(fd);
    }
  }

  /** What starts at buf[p]: a whole record (checksum verified in version 2), too few bytes, or nothing valid. */
  private frameAt(buf: Uint8Array, p: number, end: number): Frame {
    let length = 0;
    let scale = 1;
    let q = p;
    for (;;) {
      if (q - p >= MAX_VARINT_BYTES) return { status: 'bad', why: 'invalid record length' };
      if (q >= end) {
        return { status: 'short', need: MAX_VARINT_BYTES, why: 'the file ends inside a record length (was the process killed while writing?)' };
      }
      const b = buf[q++];
      length += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) break;
    }
    if (length === 0) return { status: 'bad', why: 'zero-length record (padding or garbage follows)' };
    if (length > MAX_RECORD_BYTES) return { status: 'bad', why: `implausible record length ${length}` };
    const checked = this.framing === FORMAT_VERSION;
    const shape = checked ? recordShapeOk(buf, q, length, end) : true;
    if (shape === false) return { status: 'bad', why: 'no record starts here' };
    if (shape === null) {
      // Enough to see the record's shape first (a length read from damage can be anything).
      return { status: 'short', need: q - p + 1 + MAX_VARINT_BYTES, why: 'the file ends inside a record (was the process killed while writing?)' };
    }
    const next = q + length + (checked ? CHECKSUM_LENGTH : 0);
    if (next > end) {
      return {
        status: 'short', need: next - p,
        why: `the last record (${length} bytes) is cut short after ${Math.max(0, end - q)} bytes (was the process killed while writing?)`,
      };
    }
    if (checked) {
      const stored = (buf[next - 4] | (buf[next - 3] << 8) | (buf[next - 2] << 16) | (buf[next - 1] << 24)) >>> 0;
      if (crc32c(buf.subarray(p, q + length)) !== stored) return { status: 'bad', why: 'checksum mismatch' };
    }
    return { status: 'ok', bodyStart: q, length, next };
  }

  /**
   * Decodes the whole records in buf[0, end) (buf[0] being stream offset
   * `base`) from scanPos on. Yields records; when the next record is not
   * whole in the buffer and more input may come (!eof), yields the number of
   * bytes it needs from scanPos on and stops. At eof a partial record is a
   * truncation. In version 2, damage starts a search for the next position
   * where a record checks out (one byte at a time: a damaged length says
   * nothing about where the next record is).
   */
  private *scan(buf: Uint8Array, end: number, base: number, eof: boolean): Generator<FastRecordAt | number, void, undefined> {
    let p = this.scanPos - base;
    for (;;) {
      this.scanPos = base + p;
      if (p >= end) {
        if (eof && this.damageFrom !== null) this.endDamage(base + p, true);
        return;
      }
      // A second signature at a record boundary: traces concatenated with cat.
      // (No record body starts with 'T' = 0x54: field 10 is not in the oneof.)
      if (end - p < MAGIC_LENGTH && !eof && buf[p] === MAGIC[0]) {
        yield MAGIC_LENGTH;
        return;
      }
      const version = magicAt(buf, p, end);
      if (version !== 0) {
        if (this.damageFrom !== null) this.endDamage(base + p, false);
        this.framing = version;
        p += MAGIC_LENGTH;
        continue;
      }
      const frame = this.frameAt(buf, p, end);
      if (frame.status !== 'ok') {
        // While resynchronizing, a length that runs past the end of the file is no record.
        const beyond = frame.status === 'short' && this.damageFrom !== null && base + p + frame.need > this.bytes;
        if (frame.status === 'short' && !eof && !beyond) {
          yield frame.need;
          return;
        }
        if (this.damageFrom === null) {
          if (this.framing !== FORMAT_VERSION) {
            if (frame.status === 'short') this.truncate(base + p, frame.why);
            else this.corrupt(base + p, frame.why);
            return;
          }
          this.damageFrom = base + p;
          this.damageWhy = frame.why;
          this.damageAtTail = frame.status === 'short';
        }
        p++;
        continue;
      }
      if (this.damageFrom !== null) this.endDamage(base + p, false);
      const offset = base + p;
      let record: FastRecord | null;
      try {
        const body = buf.subarray(frame.bodyStart, frame.bodyStart + frame.length);
        const view = this.fast ? decodeBatchView(body, this.scratch as BatchScratch, this.countOnly) : null;
        record = view ? { kind: 'batchView', batch: view } : decodeRecord(body);
      } catch (err) {
        if (this.framing !== FORMAT_VERSION) {
          this.corrupt(offset, (err as Error).message);
          return;
        }
        // Its checksum holds, so the writer wrote it so: skip just this record.
        this.damaged.push({ offset, bytes: frame.next - p, why: `does not decode: ${(err as Error).message}` });
        record = null;
      }
      p = frame.next;
      this.scanPos = base + p;
      if (record) {
        this.decoded++;
        yield { offset, record };
      }
    }
  }

  /** The damage that began at damageFrom ends at `at`: a valid record, another signature, or the end. */
  private endDamage(at: number, atEnd: boolean): void {
    const from = this.damageFrom as number;
    this.damageFrom = null;
    // Nothing valid from there to the end: the file stops being readable
    // there (cut short, or garbage after the last record).
    if (atEnd && this.damageAtTail) this.truncate(from, this.damageWhy);
    else if (atEnd) this.corrupt(from, this.damageWhy);
    else this.damaged.push({ offset: from, bytes: at - from, why: this.damageWhy });
  }

  private warnDamage(): void {
    const n = this.damaged.length;
    if (n === 0) return;
    const shown = 5;
    for (const d of this.damaged.slice(0, shown)) {
      this.warnings.push(`${this.name}: damaged record at byte ${d.offset} (${d.why}): skipped ${d.bytes} bytes`);
    }
    const bytes = this.damaged.reduce((a, d) => a + d.bytes, 0);
    const more = n > shown ? ` (${n - shown} not listed)` : '';
    this.warnings.push(`${this.name}: ${n} damaged record${n === 1 ? '' : 's'} skipped${more}, ${bytes} bytes lost: ` +
      'the allocations, frees and definitions they held are missing from this report (nothing is guessed)');
  }

  private truncate(offset: number, why: string): void {
    this.problem = { offset, message: why };
    this.warnings.push(`${this.name}: truncated at byte ${offset}: ${why}; read everything before it`);
  }

  private corrupt(offset: number, why: string): void {
    this.problem = { offset, message: why };
    this.warnings.push(`${this.name}: truncated at byte ${offset}: record does not decode (${why}); stopped reading there`);
  }
}

/** Convenience: all records of a stream, with its warnings. */
export function readAll(source: TraceSource, name?: string): { records: RecordAt[]; reader: TraceReader } {
  const reader = new TraceReader(source, name);
  const records = [...reader.records()];
  return { records, reader };
}
