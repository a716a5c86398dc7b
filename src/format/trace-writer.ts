// The one TypeScript trace writer: frames records as the native writer does
// (varint length, body, CRC32C in format 2) and defines strings, frames and
// stacks once each, before their first use, renumbering them per Header as a
// new tracing session does. Snapshot dumps, test fixtures and the bench's
// trace amplifier all write through it.
import {
  encodeRecordDelimited, FORMAT_VERSION, HeaderRecord, MAGIC, MarkerRecord, MemoryRecord, TraceRecord, TrailerRecord,
} from './proto';

export interface WriterFrame {
  function: string;
  /** Script name; '' for builtins. */
  file: string;
  line: number;
  column: number;
  builtin: boolean;
}

/** One sampled allocation of a Batch: ids increase within a session. */
export interface WriterAlloc {
  id: number;
  /** A stack id from stack(). */
  stack: number;
  size: number;
}

export interface TraceWriterOptions {
  /** Start with the file signature (magic + version); default true. */
  signature?: boolean;
  /** Format version of the framing: 2 (checksums, default) or 1. */
  version?: number;
}

/** Delta-encodes increasing ids (the first relative to 0). */
function deltas(ids: readonly number[]): number[] {
  let previous = 0;
  return ids.map((id) => {
    const d = id - previous;
    previous = id;
    return d;
  });
}

export class TraceWriter {
  private parts: Uint8Array[] = [];
  private readonly version: number;
  private strings = new Map<string, number>();
  private frames = new Map<string, number>();
  private stacks = new Map<string, number>();

  constructor(options: TraceWriterOptions = {}) {
    this.version = options.version ?? FORMAT_VERSION;
    if (options.signature ?? true) this.parts.push(Buffer.concat([MAGIC, Buffer.from([this.version])]));
  }

  /** Any record as it is (ids in it are the caller's business). */
  record(record: TraceRecord): this {
    this.parts.push(encodeRecordDelimited(record, this.version));
    return this;
  }

  /** A Header: a new session, whose string, frame and stack ids start from scratch. */
  header(header: HeaderRecord): this {
    this.strings = new Map();
    this.frames = new Map();
    this.stacks = new Map();
    return this.record({ kind: 'header', header });
  }

  /** The id of a string, defined on first use; '' is 0 and never defined. */
  string(value: string): number {
    if (value === '') return 0;
    let id = this.strings.get(value);
    if (id === undefined) {
      id = this.strings.size + 1;
      this.strings.set(value, id);
      this.record({ kind: 'string', string: { id, value } });
    }
    return id;
  }

  /** The id of a frame, defined (with its strings) on first use. */
  frame(f: WriterFrame): number {
    const key = `${f.function}\0${f.file}\0${f.line}\0${f.column}\0${f.builtin ? 1 : 0}`;
    let id = this.frames.get(key);
    if (id === undefined) {
      const functionName = this.string(f.function);
      const scriptName = this.string(f.file);
      id = this.frames.size + 1;
      this.frames.set(key, id);
      this.record({ kind: 'frame', frame: { id, functionName, scriptName, line: f.line, column: f.column, builtin: f.builtin } });
    }
    return id;
  }

  /** The id of a stack (frames leaf-first), defined (with its frames) on first use. */
  stack(frames: readonly WriterFrame[]): number {
    const ids = frames.map((f) => this.frame(f));
    const key = ids.join(',');
    let id = this.stacks.get(key);
    if (id === undefined) {
      id = this.stacks.size + 1;
      this.stacks.set(key, id);
      this.record({ kind: 'stack', stack: { id, frames: ids } });
    }
    return id;
  }

  /** A poll: new samples (increasing ids) and the ids freed since the last poll (increasing). */
  batch(timeNs: number, allocs: readonly WriterAlloc[], freed: readonly number[] = [], liveSet = false): this {
    return this.record({
      kind: 'batch',
      batch: {
        timeNs, allocIds: deltas(allocs.map((a) => a.id)), allocStacks: allocs.map((a) => a.stack),
        allocSizes: allocs.map((a) => a.size), freedIds: deltas(freed), liveSet,
      },
    });
  }

  memory(memory: MemoryRecord): this {
    return this.record({ kind: 'memory', memory });
  }

  marker(marker: MarkerRecord): this {
    return this.record({ kind: 'marker', marker });
  }

  trailer(trailer: TrailerRecord): this {
    return this.record({ kind: 'trailer', trailer });
  }

  /** The bytes written since the last take() (or the start), handed over: for streaming to a file. */
  take(): Buffer {
    const out = Buffer.concat(this.parts);
    this.parts = [];
    return out;
  }

  /** Every byte written so far (not handed over). */
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}
