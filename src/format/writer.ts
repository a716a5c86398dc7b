// Encodes a self-contained trace stream (what Snapshot.dump() writes), with
// protobufjs from the same schema the reader decodes with, framed as the
// native writer frames files (format 2: a CRC32C after each record).
import { encodeRecordDelimited, FORMAT_VERSION, HeaderRecord, MAGIC, PRECISE_OFF, PRECISE_ON, TraceRecord } from './proto';

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
  /** Per sample: when it was first seen (ns since the start, at most timeNs)... */
  sampleBorn: ArrayLike<number>;
  /** ...and 1 if it was allocated in precise mode. */
  samplePrecise: ArrayLike<number>;
}

/**
 * magic, Header, the strings/frames/stacks used, the samples (ids 1..n) in
 * one Batch per time they were first seen, with a precise-switch Marker
 * wherever their mode changes, a last Batch at `timeNs` and the Marker
 * `markerName` — the shape of Tracer.snapshot().
 */
export function encodeTraceStream(header: HeaderRecord, timeNs: number, samples: StreamSamples, markerName = 'snapshot'): Buffer {
  const parts: Uint8Array[] = [Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION])])];
  const put = (r: TraceRecord): void => {
    parts.push(encodeRecordDelimited(r));
  };
  const n = samples.sampleSizes.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => samples.sampleBorn[a] - samples.sampleBorn[b] || a - b);
  let precise = n > 0 ? samples.samplePrecise[order[0]] === 1 : header.precise;
  put({ kind: 'header', header: { ...header, precise } });

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

  // One batch per run of samples with the same time and mode, in time order.
  for (let start = 0; start < n;) {
    const first = order[start];
    const born = samples.sampleBorn[first];
    const mode = samples.samplePrecise[first] === 1;
    let end = start + 1;
    while (end < n && samples.sampleBorn[order[end]] === born && (samples.samplePrecise[order[end]] === 1) === mode) end++;
    if (mode !== precise) {
      precise = mode;
      const name = mode ? 'precise-on' : 'precise-off';
      put({ kind: 'marker', marker: { timeNs: born, name, gcForced: false, requestedNs: 0, precise: mode ? PRECISE_ON : PRECISE_OFF } });
    }
    const rows = order.slice(start, end);
    const allocIds = rows.map((_, k) => (k === 0 ? start + 1 : 1)); // ids start+1.., delta-encoded
    const allocStacks = rows.map((i) => stackIds[samples.sampleStacks[i]]);
    const allocSizes = rows.map((i) => samples.sampleSizes[i]);
    put({ kind: 'batch', batch: { timeNs: born, allocIds, allocStacks, allocSizes, freedIds: [], liveSet: false } });
    start = end;
  }
  put({ kind: 'batch', batch: { timeNs, allocIds: [], allocStacks: [], allocSizes: [], freedIds: [], liveSet: false } });
  put({ kind: 'marker', marker: { timeNs, name: markerName, gcForced: false, requestedNs: 0 } });
  return Buffer.concat(parts);
}
