// `census`: object censuses as tables (the largest kinds by shallow size) and
// the growth between two (grown kinds, most by count first), as text and JSON.
// Shared by the CLI and the admin endpoint's /census and /growth.
import type { CensusGrowthResult, CensusReport } from '../analysis/census';
import { countable, type Census, type CensusEntry, type CensusGrowth } from '../model/census';
import { JSON_SCHEMA } from './json';
import { formatDelta, formatSize, formatTime } from './units';

export interface JsonCensusEntry { type: string; name: string; count: number; size: number }

export interface JsonCensus {
  label: string;
  timeNs: number;
  gcForced: boolean;
  pauseNs: number;
  /** JavaScript objects counted without sizes (sizes are 0): see Census.countsOnly. */
  countsOnly: boolean;
  /** Objects and shallow bytes over all kinds. */
  objects: number;
  size: number;
  /** Kinds in the census. */
  kinds: number;
  /** The largest kinds by size. */
  top: JsonCensusEntry[];
}

export interface JsonGrowthEntry extends JsonCensusEntry { countDiff: number; sizeDiff: number }

export interface JsonGrowth {
  from: { label: string; timeNs: number };
  to: { label: string; timeNs: number };
  /** Either census only counted: JavaScript objects by count, sizes 0. */
  countsOnly: boolean;
  objectsDiff: number;
  sizeDiff: number;
  /** Kinds that grew (count or size), most by count first. */
  grown: JsonGrowthEntry[];
}

export interface JsonCensusReport {
  schema: typeof JSON_SCHEMA;
  file: string;
  censuses: JsonCensus[];
  growth: JsonGrowth | null;
}

const totalOf = (entries: readonly CensusEntry[]): { objects: number; size: number } =>
  entries.reduce((t, e) => ({ objects: t.objects + e.count, size: t.size + e.size }), { objects: 0, size: 0 });

const bySize = (entries: readonly CensusEntry[]): CensusEntry[] =>
  [...entries].sort((a, b) => b.size - a.size || b.count - a.count);

/** A counting census has no sizes: its largest kinds are the most common. */
const largestOf = (c: Census): CensusEntry[] => (c.countsOnly ? [...c.entries].sort((a, b) => b.count - a.count) : bySize(c.entries));

const COUNTS_ONLY_NOTE = 'counts only: JavaScript objects by constructor, counted without a heap snapshot (no sizes; strings, code and backing stores not counted)';

/** Kinds that grew by count or size, in censusGrowth's order. */
export function grownOf(entries: readonly CensusGrowth[]): CensusGrowth[] {
  return entries.filter((e) => e.countDiff > 0 || (e.countDiff === 0 && e.sizeDiff > 0));
}

const signedSize = (d: number): string => `${d < 0 ? '-' : '+'}${formatSize(Math.abs(d))}`;

const entryJson = (e: CensusEntry): JsonCensusEntry => ({ type: e.type, name: e.name, count: e.count, size: e.size });

export function censusJson(c: Census, top: number): JsonCensus {
  const t = totalOf(c.entries);
  return {
    label: c.label, timeNs: c.timeNs, gcForced: c.gcForced, pauseNs: c.pauseNs, countsOnly: c.countsOnly === true,
    objects: t.objects, size: t.size, kinds: c.entries.length, top: largestOf(c).slice(0, top).map(entryJson),
  };
}

/** Totals the growth compares: JavaScript objects only, without sizes, when either census only counted. */
function comparedTotals(g: CensusGrowthResult): [{ objects: number; size: number }, { objects: number; size: number }] {
  if (!g.from.countsOnly && !g.to.countsOnly) return [totalOf(g.from.entries), totalOf(g.to.entries)];
  const counted = (c: Census): { objects: number; size: number } =>
    ({ objects: c.entries.reduce((n, e) => n + (countable(e) ? e.count : 0), 0), size: 0 });
  return [counted(g.from), counted(g.to)];
}

export function growthJson(g: CensusGrowthResult, top: number): JsonGrowth {
  const [before, after] = comparedTotals(g);
  return {
    from: { label: g.from.label, timeNs: g.from.timeNs },
    to: { label: g.to.label, timeNs: g.to.timeNs },
    countsOnly: g.from.countsOnly === true || g.to.countsOnly === true,
    objectsDiff: after.objects - before.objects,
    sizeDiff: after.size - before.size,
    grown: grownOf(g.entries).slice(0, top).map((e) => ({ ...entryJson(e), countDiff: e.countDiff, sizeDiff: e.sizeDiff })),
  };
}

export function toJsonCensusReport(r: CensusReport): JsonCensusReport {
  return {
    schema: JSON_SCHEMA,
    file: r.source,
    censuses: r.censuses.map((c) => censusJson(c, r.top)),
    growth: r.growth === null ? null : growthJson(r.growth, r.top),
  };
}

/** A kind for people: `Session (object)`, `(string)`, `system / Context (hidden)`. */
function kindText(e: CensusEntry): string {
  return e.name === '' ? `(${e.type})` : `${e.name} (${e.type})`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  // The kind (last column) is left-aligned; figures right-aligned.
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)];
}

/** `census "api" at 1.2 s, after a full GC (paused the app 120 ms): 45210 objects, 3.2 MiB in 2100 kinds`. */
export function censusHeading(c: Census): string {
  const t = totalOf(c.entries);
  const gc = c.gcForced ? 'after a full GC' : 'without a forced GC';
  const what = c.countsOnly ? `${t.objects} JavaScript objects in ${c.entries.length} kinds (${COUNTS_ONLY_NOTE})`
    : `${t.objects} objects, ${formatSize(t.size)} shallow in ${c.entries.length} kinds`;
  return `census "${c.label}" at ${formatTime(c.timeNs)}, ${gc} (paused the app ${formatTime(c.pauseNs)}): ${what}`;
}

export function formatTextCensus(c: Census, top: number): string {
  const shown = largestOf(c).slice(0, top);
  if (c.countsOnly) {
    const lines = [`${censusHeading(c)}; the ${shown.length} most common:`,
      ...table(['count', 'kind'], shown.map((e) => [String(e.count), kindText(e)]))];
    return `${lines.join('\n')}\n`;
  }
  const lines = [`${censusHeading(c)}; the ${shown.length} largest by shallow size:`,
    ...table(['count', 'size', 'kind'], shown.map((e) => [String(e.count), formatSize(e.size), kindText(e)]))];
  return `${lines.join('\n')}\n`;
}

export function formatTextGrowth(g: CensusGrowthResult, top: number): string {
  const [before, after] = comparedTotals(g);
  const grown = grownOf(g.entries);
  const shown = grown.slice(0, top);
  if (g.from.countsOnly || g.to.countsOnly) {
    const [from, to] = comparedTotals(g);
    const lines = [`Growth from census "${g.from.label}" at ${formatTime(g.from.timeNs)} to "${g.to.label}" at ${formatTime(g.to.timeNs)}, ` +
      `JavaScript objects by count (one of them counted only: no sizes): ${formatDelta(to.objects - from.objects)} objects; ` +
      `${grown.length} kinds grew${shown.length < grown.length ? ` (the top ${shown.length})` : ''}`];
    if (shown.length === 0) lines.push('No kind of object grew.');
    else lines.push(...table(['count', '+count', 'kind'], shown.map((e) => [String(e.count), formatDelta(e.countDiff), kindText(e)])));
    return `${lines.join('\n')}\n`;
  }
  const lines = [`Growth from census "${g.from.label}" at ${formatTime(g.from.timeNs)} to "${g.to.label}" at ${formatTime(g.to.timeNs)}: ` +
    `${formatDelta(after.objects - before.objects)} objects, ${signedSize(after.size - before.size)} shallow; ` +
    `${grown.length} kinds grew${shown.length < grown.length ? ` (the top ${shown.length} by count)` : ''}`];
  if (shown.length === 0) lines.push('No kind of object grew.');
  else {
    lines.push(...table(['count', '+count', 'size', '+size', 'kind'],
      shown.map((e) => [String(e.count), formatDelta(e.countDiff), formatSize(e.size), signedSize(e.sizeDiff), kindText(e)])));
  }
  return `${lines.join('\n')}\n`;
}

export function formatTextCensusReport(r: CensusReport): string {
  const out: string[] = [];
  if (r.growth !== null) out.push(formatTextGrowth(r.growth, r.top));
  else if (r.censuses.length === 0) {
    out.push(`No census in ${r.source} (take one with census(), GET /census or ALLOCTRACE_CENSUS_ON_SIGNAL=1).\n`);
  } else {
    out.push(`${r.censuses.length} ${r.censuses.length === 1 ? 'census' : 'censuses'} in ${r.source}:\n`);
    for (const c of r.censuses) out.push(formatTextCensus(c, r.top));
  }
  return out.join('\n');
}
