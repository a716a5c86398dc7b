// Encodes a self-contained trace stream (what Snapshot.dump() writes), with
// protobufjs from the same schema the reader decodes with, framed as the
// native writer frames files (format 2: a CRC32C after each record).
import { encodeRecordDelimited, FORMAT_VERSION, HeaderRecord, MAGIC, TraceRecord } from './proto';

export interface StreamFrame {
  function: string;
  file: string;
  line: number;
  column: number;
  builtin: boolean;
}

export interface StreamSamples {
  /** Leaf-first frames of each distinct stack. */
  stacks: readonly (readonly StreamFrame[])[];
  /** Per sample: index into `stacks`, and the sampled object's size. */
  sampleStacks: ArrayLike<number>;
  sampleSizes: ArrayLike<number>;
}

/**
 * magic, Header, the strings/frames/stacks used, one Batch holding every
 * sample (ids 1..n), Marker `markerName` — the shape of Tracer.snapshot().
 */
export function encodeTraceStream(header: HeaderRecord, timeNs: number, samples: StreamSamples, markerName = 'snapshot'): Buffer {
  const parts: Uint8Array[] = [Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION])])];
  const put = (r: TraceRecord): void => {
    parts.push(encodeRecordDelimited(r));
  };
  put({ kind: 'header', header });

  const strings = new Map<string, number>();
  const string = (s: string): number => {
    if (s === '') return 0;
    let id = strings.get(s);
    if (id === undefined) {
      id = strings.size + 1;
      strings.set(s, id);
      put({ kind: 'string', string: { id, value: s } });
    }
    return id;
  };
  const frames = new Map<string, number>();
  const stackIds: number[] = [];
  for (const stack of samples.stacks) {
    const ids = stack.map((f) => {
      const key = `${f.function}\0${f.file}\0${f.line}\0${f.column}\0${f.builtin ? 1 : 0}`;
      let id = frames.get(key);
      if (id === undefined) {
        const functionName = string(f.function);
        const scriptName = string(f.file);
        id = frames.size + 1;
        frames.set(key, id);
        put({ kind: 'frame', frame: { id, functionName, scriptName, line: f.line, column: f.column, builtin: f.builtin } });
      }
      return id;
    });
    const id = stackIds.length + 1;
    stackIds.push(id);
    put({ kind: 'stack', stack: { id, frames: ids } });
  }

  const n = samples.sampleSizes.length;
  const allocIds = new Array<number>(n).fill(1); // ids 1..n, delta-encoded
  const allocStacks = Array.from(samples.sampleStacks, (s) => stackIds[s]);
  const allocSizes = Array.from(samples.sampleSizes);
  put({ kind: 'batch', batch: { timeNs, allocIds, allocStacks, allocSizes, freedIds: [], liveSet: false } });
  put({ kind: 'marker', marker: { timeNs, name: markerName, gcForced: false, requestedNs: 0 } });
  return Buffer.concat(parts);
}
