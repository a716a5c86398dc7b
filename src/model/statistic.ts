// Results of Snapshot.statistics() and Snapshot.compareTo().
import { Traceback } from './traceback';
import { formatKey, formatSize } from './describe';

export type KeyType = 'lineno' | 'filename' | 'function' | 'traceback';
export const KEY_TYPES: readonly KeyType[] = ['lineno', 'filename', 'function', 'traceback'];

/** Estimated memory of the live samples that share one key. */
export class Statistic {
  constructor(
    /** lineno/function: the keying frame; filename: a frame with only the file; traceback: the stack. */
    readonly traceback: Traceback,
    /** Estimated bytes. */
    readonly size: number,
    /** Estimated objects. */
    readonly count: number,
    /** Samples behind the estimate (its precision). */
    readonly samples: number,
    readonly keyType: KeyType,
    /** The grouping key (stable identity for comparing). */
    readonly key: string,
  ) {}

  /** Like tracemalloc's str(stat): `app.js:42 (handle): size=1.2 MiB, count=120, samples=3`. */
  toString(): string {
    return `${formatKey(this.keyType, this.traceback, process.cwd())}: size=${formatSize(this.size)}, ` +
      `count=${Math.round(this.count)}, samples=${this.samples}`;
  }
}

/** A key's statistic now and its change since an older snapshot. */
export class StatisticDiff {
  constructor(
    readonly traceback: Traceback,
    readonly size: number,
    readonly sizeDiff: number,
    readonly count: number,
    readonly countDiff: number,
    readonly samples: number,
    readonly samplesDiff: number,
    readonly keyType: KeyType,
    readonly key: string,
  ) {}

  /** Like tracemalloc's str(diff): `app.js:42 (handle): size=1.2 MiB (+800 KiB), count=120 (+80), samples=3`. */
  toString(): string {
    const countDiff = Math.round(this.countDiff);
    return `${formatKey(this.keyType, this.traceback, process.cwd())}: ` +
      `size=${formatSize(this.size)} (${formatSize(this.sizeDiff, true)}), ` +
      `count=${Math.round(this.count)} (${countDiff < 0 ? countDiff : `+${countDiff}`}), samples=${this.samples}`;
  }
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** tracemalloc's order: size, then count, descending; key for a stable tie-break. */
export function sortStatistics(stats: Statistic[]): Statistic[] {
  return stats.sort((a, b) => b.size - a.size || b.count - a.count || byKey(a.key, b.key));
}

/** tracemalloc's order: |sizeDiff|, size, |countDiff|, count, descending. */
export function sortDiffs(diffs: StatisticDiff[]): StatisticDiff[] {
  return diffs.sort((a, b) =>
    Math.abs(b.sizeDiff) - Math.abs(a.sizeDiff) || b.size - a.size ||
    Math.abs(b.countDiff) - Math.abs(a.countDiff) || b.count - a.count || byKey(a.key, b.key));
}
