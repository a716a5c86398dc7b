// `leaks`: the ranking as text (one line per site, with its series drawn)
// and as the JSON docs/json.md documents.
import type { LeakSite, LeaksResult } from '../analysis/leaks';
import { formatFrame, formatKey } from './frames';
import { JSON_SCHEMA, JsonFrame, jsonFrame } from './json';
import { sparkline } from './sparkline';
import { formatSize, formatTime } from './units';

const NOUN = { lineno: 'lines', filename: 'files', function: 'functions', traceback: 'tracebacks' } as const;
const SPARK_WIDTH = 24;

/** `+1.2 MiB/min`: the trend in the unit that reads best. */
export function formatRate(bytesPerSecond: number): string {
  const perMinute = bytesPerSecond * 60;
  if (Math.abs(perMinute) >= 100 * 1024 * 60 || Math.abs(bytesPerSecond) >= 1024 * 1024) return `${formatSize(bytesPerSecond, true)}/s`;
  if (Math.abs(perMinute) < 1024 && Math.abs(perMinute * 60) >= 1) return `${formatSize(perMinute * 60, true)}/h`;
  return `${formatSize(perMinute, true)}/min`;
}

function siteLine(s: LeakSite, rank: number, cwd: string): string[] {
  const head = `#${rank}: ${formatKey(s.keyType, s.traceback, cwd)}`;
  const trend = s.kind === 'growing' || s.kind === 'shrinking'
    ? `${formatRate(s.slope)} (fit r²=${s.r2.toFixed(2)})`
    : `trend ${formatRate(s.slope)} (fit r²=${s.r2.toFixed(2)})`;
  const lines = [
    `${head}`,
    `    ${s.kind.padEnd(9)} ${sparkline(s.series, SPARK_WIDTH, 0)}  ${trend}, grew in ${s.grewIn}/${s.windows} windows, ` +
      `${formatSize(s.finalSize)} live at the end (peak ${formatSize(s.maxSize)}), count=${Math.round(s.finalCount)}, samples=${s.finalSamples}`,
  ];
  if (s.keyType === 'traceback') for (const f of s.traceback.frames) lines.push(`      ${formatFrame(f, cwd)}`);
  return lines;
}

export function formatTextLeaks(r: LeaksResult): string {
  const o = r.options;
  const growing = r.sites.filter((s) => s.kind === 'growing').length;
  const lines = [
    `Sites by sustained growth (${NOUN[o.groupBy]}) in ${r.source}: ${r.timeNs.length} points over ${formatTime(r.durationNs)} ` +
      `(${r.polls} polls); ${growing} growing` + (o.groupBy !== 'filename' ? ' — "line" is the function\'s definition line' : ''),
  ];
  r.sites.slice(0, o.top).forEach((s, i) => lines.push(...siteLine(s, i + 1, r.cwd)));
  if (r.sites.length === 0) lines.push('No sampled allocations in this trace.');
  else if (r.sites.length > o.top) lines.push(`${r.sites.length - o.top} other sites`);
  lines.push('Kinds: growing = a sustained upward trend (a leak suspect); load-once = in place early, then flat; ' +
    'spike = went up and came back down; steady / shrinking = no growth.');
  return `${lines.join('\n')}\n`;
}

export interface JsonLeakSite {
  rank: number;
  kind: LeakSite['kind'];
  score: number;
  slopeBytesPerSec: number;
  r2: number;
  grewIn: number;
  windows: number;
  finalSize: number;
  finalCount: number;
  samples: number;
  maxSize: number;
  frames: JsonFrame[];
  /** Estimated live bytes at each of the result's timeNs. */
  series: number[];
}

export interface JsonLeaks {
  schema: typeof JSON_SCHEMA;
  file: string;
  groupBy: LeaksResult['options']['groupBy'];
  durationNs: number;
  polls: number;
  timeNs: number[];
  sites: JsonLeakSite[];
  other: { sites: number };
  warnings: string[];
}

export function toJsonLeaks(r: LeaksResult): JsonLeaks {
  return {
    schema: JSON_SCHEMA,
    file: r.source,
    groupBy: r.options.groupBy,
    durationNs: r.durationNs,
    polls: r.polls,
    timeNs: Array.from(r.timeNs),
    sites: r.sites.slice(0, r.options.top).map((s, i) => ({
      rank: i + 1, kind: s.kind, score: s.score, slopeBytesPerSec: s.slope, r2: s.r2, grewIn: s.grewIn, windows: s.windows,
      finalSize: s.finalSize, finalCount: s.finalCount, samples: s.finalSamples, maxSize: s.maxSize,
      frames: s.traceback.frames.map((f) => jsonFrame(f, s.keyType)), series: Array.from(s.series),
    })),
    other: { sites: Math.max(0, r.sites.length - r.options.top) },
    warnings: [...r.warnings],
  };
}
