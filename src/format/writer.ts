// Encodes a live set as a self-contained trace stream (what Snapshot.dump()
// writes), through the one TypeScript trace writer.
import { HeaderRecord, PRECISE_OFF, PRECISE_ON } from './proto';
import { TraceWriter, WriterFrame } from './trace-writer';

export type StreamFrame = WriterFrame;

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
  const n = samples.sampleSizes.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => samples.sampleBorn[a] - samples.sampleBorn[b] || a - b);
  let precise = n > 0 ? samples.samplePrecise[order[0]] === 1 : header.precise;
  const w = new TraceWriter();
  w.header({ ...header, precise });
  const stackIds = samples.stacks.map((frames) => w.stack(frames));

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
      w.marker({ timeNs: born, name, gcForced: false, requestedNs: 0, precise: mode ? PRECISE_ON : PRECISE_OFF });
    }
    // Sample ids 1..n in time order.
    w.batch(born, order.slice(start, end).map((i, k) => ({
      id: start + k + 1, stack: stackIds[samples.sampleStacks[i]], size: samples.sampleSizes[i],
    })));
    start = end;
  }
  w.batch(timeNs, []);
  w.marker({ timeNs, name: markerName, gcForced: false, requestedNs: 0 });
  return w.take();
}
