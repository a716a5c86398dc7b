// `timeline`: the process's memory over time (rss, V8 heap, external) next
// to the traced live set, with the markers: where memory went up, and
// whether the traced JS allocations explain it.
import type { MemoryRecord } from '../format/proto';
import { LoadedMarker } from '../replay/load';
import { Replay } from '../replay/replay';

/** A poll's Memory record (times since the trace's start) and the traced live set then. */
export interface TimelinePoint extends MemoryRecord {
  /** Estimated live bytes of the sampled allocations (alloctrace's own left out) at that poll. */
  traced: number;
}

export interface Timeline {
  source: string;
  durationNs: number;
  points: TimelinePoint[];
  markers: readonly LoadedMarker[];
  /** false when the trace has no memory records (then only `traced` is known; the rest are 0). */
  hasMemory: boolean;
  warnings: string[];
}

export function timelineOf(replay: Replay): Timeline {
  const traced = replay.tracedSeries();
  const memory = replay.memory;
  const points: TimelinePoint[] = [];
  if (memory.length > 0) {
    // Each Memory record is written with its poll: pair it with the live set after the last batch at or before it.
    let b = -1;
    for (const m of memory) {
      while (b + 1 < traced.timeNs.length && traced.timeNs[b + 1] <= m.timeNs) b++;
      points.push({
        timeNs: m.timeNs, rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external,
        arrayBuffers: m.arrayBuffers, traced: b >= 0 ? traced.size[b] : 0,
      });
    }
  } else {
    for (let i = 0; i < traced.timeNs.length; i++) {
      points.push({ timeNs: traced.timeNs[i], rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0, traced: traced.size[i] });
    }
  }
  return {
    source: replay.name, durationNs: replay.durationNs, points, markers: replay.markers, hasMemory: memory.length > 0,
    warnings: [...replay.warnings],
  };
}

export function buildTimelines(files: readonly string[]): Timeline[] {
  return Replay.openEach(files).map(timelineOf);
}
