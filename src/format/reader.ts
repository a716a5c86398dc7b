// The one streaming reader of trace streams, whether they come from a file on
// disk (read in chunks, so 100 MB traces never sit in memory whole), from a
// pipe, FIFO or standard input (`-`; read once, front to back), or from a
// Buffer made in-process (Tracer.snapshot()).
import * as fs from 'node:fs';
import { InputError, openInput, readSequential, SequentialInput, STDIN } from './input';
import { decodeRecord, FORMAT_VERSION, MAGIC, MAGIC_LENGTH, TraceRecord } from './proto';

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

function checkMagic(head: Uint8Array, length: number, name: string): void {
  if (length === 0) throw new NotATraceError(`${name}: not an alloctrace trace (empty file)`);
  const magicOk = length >= MAGIC.length && MAGIC.equals(head.subarray(0, MAGIC.length));
  if (!magicOk) throw new NotATraceError(`${name}: not an alloctrace trace (no ATRACE signature)`);
  if (length < MAGIC_LENGTH) {
    throw new NotATraceError(`${name}: not an alloctrace trace (file ends inside the signature)`);
  }
  const version = head[MAGIC.length];
  if (version !== FORMAT_VERSION) {
    throw new NotATraceError(
      `${name}: trace format version ${version} is not supported (this alloctrace reads version ${FORMAT_VERSION})`);
  }
}

function isMagicAt(buf: Uint8Array, pos: number, end: number): boolean {
  if (end - pos < MAGIC_LENGTH) return false;
  for (let i = 0; i < MAGIC.length; i++) if (buf[pos + i] !== MAGIC[i]) return false;
  return buf[pos + MAGIC.length] === FORMAT_VERSION;
}

/**
 * Reads a trace stream record by record.
 *
 * The constructor checks the signature (throwing NotATraceError); records()
 * then yields every whole, decodable record. A cut-short tail or a record that
 * fails to decode ends the stream early: `problem` says where and why, and
 * `warnings` carries the same as a sentence for people.
 */
export class TraceReader {
  readonly name: string;
  problem: ReadProblem | null = null;
  readonly warnings: string[] = [];

  private readonly source: TraceSource;
  private readonly size: number;
  private readonly sequential: SequentialInput | null = null;

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
          checkMagic(head, fs.readSync(fd, head, 0, MAGIC_LENGTH, 0), this.name);
        } else {
          // A FIFO, pipe or standard input cannot be reopened or read at an offset.
          let n = 0;
          for (let got = 1; n < MAGIC_LENGTH && got > 0; n += got) got = readSequential(fd, head, n, MAGIC_LENGTH - n);
          this.size = 0;
          checkMagic(head, n, this.name);
          this.sequential = { fd, own: source !== STDIN, read: n, consumed: false };
          keepOpen = true;
        }
      } finally {
        if (!keepOpen && source !== STDIN) fs.closeSync(fd);
      }
    } else {
      this.size = source.length;
      checkMagic(source, source.length, this.name);
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
  *records(): Generator<RecordAt, void, undefined> {
    this.problem = null;
    this.warnings.length = 0;
    this.scanPos = MAGIC_LENGTH;
    this.decoded = 0;
    if (typeof this.source === 'string') {
      yield* this.fromFile(this.source);
    } else {
      // A Buffer is whole: anything short at its end is a truncation, never "more to come".
      for (const item of this.scan(this.source, this.source.length, 0, true)) {
        if (typeof item !== 'number') yield item;
      }
    }
    if (this.decoded === 0) {
      const p = this.problem as ReadProblem | null;
      throw new NotATraceError(`${this.name}: not an alloctrace trace (no decodable record after the signature${
        p ? `: at byte ${p.offset}, ${p.message}` : ''})`);
    }
  }

  private *fromFile(file: string): Generator<RecordAt, void, undefined> {
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
          if (seq) seq.read += got;
          filled += got;
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

  // Stream offset of the next unread record.
  private scanPos = MAGIC_LENGTH;
  // Records decoded by this pass.
  private decoded = 0;

  /**
   * Decodes the whole records in buf[0, end) (buf[0] being stream offset
   * `base`) from scanPos on. Yields records; when the next record is not
   * whole in the buffer and more input may come (!eof), yields the number of
   * bytes it needs from scanPos on and stops. At eof a partial record is a
   * truncation.
   */
  private *scan(buf: Uint8Array, end: number, base: number, eof: boolean): Generator<RecordAt | number, void, undefined> {
    let p = this.scanPos - base;
    for (;;) {
      this.scanPos = base + p;
      if (p >= end) return;
      // A second signature at a record boundary: traces concatenated with cat.
      // (No Record starts with 'T' = 0x54: field 10 is not in the oneof.)
      if (end - p < MAGIC_LENGTH && !eof && buf[p] === MAGIC[0]) {
        yield MAGIC_LENGTH;
        return;
      }
      if (isMagicAt(buf, p, end)) {
        p += MAGIC_LENGTH;
        continue;
      }
      // Varint length prefix.
      let len = 0;
      let scale = 1;
      let q = p;
      let complete = false;
      while (q < end && q - p < MAX_VARINT_BYTES) {
        const b = buf[q++];
        len += (b & 0x7f) * scale;
        scale *= 128;
        if (b < 0x80) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (q - p >= MAX_VARINT_BYTES) {
          this.corrupt(base + p, 'invalid record length');
          return;
        }
        if (eof) {
          this.truncate(base + p, 'the file ends inside a record length (was the process killed while writing?)');
          return;
        }
        yield MAX_VARINT_BYTES;
        return;
      }
      if (len === 0) {
        this.corrupt(base + p, 'zero-length record (padding or garbage follows)');
        return;
      }
      if (len > MAX_RECORD_BYTES) {
        this.corrupt(base + p, `implausible record length ${len}`);
        return;
      }
      const bodyStart = q;
      if (bodyStart + len > end) {
        if (eof) {
          this.truncate(base + p,
            `the last record (${len} bytes) is cut short after ${end - bodyStart} bytes (was the process killed while writing?)`);
          return;
        }
        yield bodyStart - p + len;
        return;
      }
      let record: TraceRecord | null;
      try {
        record = decodeRecord(buf.subarray(bodyStart, bodyStart + len));
      } catch (err) {
        this.corrupt(base + p, (err as Error).message);
        return;
      }
      const offset = base + p;
      p = bodyStart + len;
      this.scanPos = base + p;
      if (record) {
        this.decoded++;
        yield { offset, record };
      }
    }
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
