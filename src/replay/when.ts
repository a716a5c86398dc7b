// WHEN: which moment of a trace a live set is taken at.
import { LoadedTrace, NEVER_FREED } from './load';

/** A moment of a trace: the live set after the first `cut` batches. */
export interface Moment {
  /** What the user asked for: 'end', 'start', 'peak', a marker name or a time. */
  when: string;
  /** Batches applied. */
  cut: number;
  /** Since the first header's start. */
  timeNs: number;
  /** For people: `end`, `marker "m1"`, `peak`, `12.5 s`. */
  label: string;
}

/** A WHEN that names nothing in this trace: a usage error. */
export class WhenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WhenError';
  }
}

const TIME = /^(\d+(?:\.\d+)?|\.\d+)(ns|us|ms|s|m|min|h)$/;
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, min: 60e9, h: 3600e9 };

/** Parses `12.5s`, `1500ms` (also ns, us, m/min, h) into ns; null if it is not a time. */
export function parseTime(text: string): number | null {
  const m = TIME.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * UNIT_NS[m[2]];
}

function cutTime(trace: LoadedTrace, cut: number): number {
  return cut === 0 ? 0 : trace.batchTimeNs[cut - 1];
}

/** The cut (batches applied) at which live estimated bytes are highest; the first such. */
export function peakCut(trace: LoadedTrace): number {
  const n = trace.batchCount;
  const delta = new Float64Array(n + 1);
  const { allocSize, allocObjects, allocBorn, allocFreed, allocSamples } = trace;
  for (let i = 0; i < trace.allocCount; i++) {
    const bytes = allocSize[i] * allocObjects[i] * allocSamples[i];
    delta[allocBorn[i]] += bytes;
    const f = allocFreed[i];
    if (f !== NEVER_FREED) delta[f] -= bytes;
  }
  let live = 0;
  let best = 0;
  let bestCut = 0;
  for (let b = 0; b < n; b++) {
    live += delta[b];
    if (live > best) {
      best = live;
      bestCut = b + 1;
    }
  }
  return bestCut;
}

export function resolveWhen(trace: LoadedTrace, when: string): Moment {
  const w = when.trim();
  if (w === 'end' || w === '') {
    // Without a Trailer (and not an in-process snapshot) the process was
    // killed, crashed or is still running: its end is simply the last poll.
    const stoppedCleanly = trace.trailer !== null || trace.markers.some((m) => m.name === 'snapshot');
    const label = stoppedCleanly ? 'end' : 'the last poll, no clean stop';
    return { when: 'end', cut: trace.batchCount, timeNs: cutTime(trace, trace.batchCount), label };
  }
  if (w === 'start') return { when: 'start', cut: 0, timeNs: 0, label: 'start' };
  if (w === 'peak') {
    const cut = peakCut(trace);
    return { when: 'peak', cut, timeNs: cutTime(trace, cut), label: 'peak' };
  }
  const t = parseTime(w);
  if (t !== null) {
    // After every batch taken at or before t.
    let cut = 0;
    while (cut < trace.batchCount && trace.batchTimeNs[cut] <= t) cut++;
    return { when: w, cut, timeNs: t, label: w };
  }
  const marker = trace.markers.find((m) => m.name === w);
  if (marker) return { when: w, cut: marker.cut, timeNs: marker.timeNs, label: `marker "${w}"` };
  const names = [...new Set(trace.markers.map((m) => m.name))];
  throw new WhenError(
    `${trace.name}: no marker named "${w}" (WHEN is end, start, peak, a time like 12.5s or 1500ms, or a marker: ${names.length ? names.join(', ') : 'this trace has none'})`);
}

/** Rows (indices into the trace's alloc columns) live after `cut` batches; each stands for allocSamples[row] samples. */
export function liveRows(trace: LoadedTrace, cut: number): Uint32Array {
  const { allocBorn, allocFreed } = trace;
  let n = 0;
  const rows = new Uint32Array(trace.allocCount);
  for (let i = 0; i < trace.allocCount; i++) {
    if (allocBorn[i] < cut && (allocFreed[i] === NEVER_FREED || allocFreed[i] >= cut)) rows[n++] = i;
  }
  return rows.slice(0, n);
}
