// `timeline`: memory over time as terminal sparklines with a marker ruler,
// as CSV (one row per poll) and as JSON.
import type { Timeline, TimelinePoint } from '../analysis/timeline';
import { JSON_SCHEMA } from './json';
import { atTimes, sparkline } from './sparkline';
import { formatSize, formatTime } from './units';

const WIDTH = 60;
const SERIES: { key: keyof Omit<TimelinePoint, 'timeNs'>; label: string }[] = [
  { key: 'rss', label: 'rss' },
  { key: 'heapTotal', label: 'heap total' },
  { key: 'heapUsed', label: 'heap used' },
  { key: 'external', label: 'external' },
  { key: 'arrayBuffers', label: 'arraybuffers' },
  { key: 'traced', label: 'traced live' },
];

/** The column (0..width-1) of a time on the chart. */
function column(timeNs: number, start: number, end: number, width: number): number {
  if (!(end > start)) return 0;
  return Math.min(width - 1, Math.max(0, Math.floor(((timeNs - start) / (end - start)) * width)));
}

export function formatTextTimeline(t: Timeline): string {
  const lines = [`Memory over time in ${t.source}: ${t.points.length} polls over ${formatTime(t.durationNs)}` +
    (t.hasMemory ? '' : ' (no memory records: traced live bytes only)')];
  if (t.points.length === 0) return `${lines[0]}\nNo polls in this trace.\n`;
  // One time axis for the series and the markers: the trace's start to its end.
  const width = WIDTH;
  const start = 0;
  const end = Math.max(t.durationNs, t.points[t.points.length - 1].timeNs);
  const times = t.points.map((p) => p.timeNs);
  // One scale for all byte series, so their heights compare.
  const shown = SERIES.filter((s) => t.hasMemory || s.key === 'traced');
  const max = Math.max(...shown.flatMap((s) => t.points.map((p) => p[s.key])));
  for (const s of shown) {
    const values = t.points.map((p) => p[s.key]);
    const last = values[values.length - 1];
    const peak = Math.max(...values);
    lines.push(`${s.label.padStart(12)} ${sparkline(atTimes(times, values, width, start, end), width, 0, max)}  ` +
      `${formatSize(last)} at the end, peak ${formatSize(peak)}`);
  }
  const ruler = Array.from({ length: width }, () => ' ');
  const inside = t.markers.filter((m) => m.timeNs >= start && m.timeNs <= end);
  inside.forEach((m, i) => {
    ruler[column(m.timeNs, start, end, width)] = i < 9 ? String(i + 1) : '*';
  });
  lines.push(`${'markers'.padStart(12)} ${ruler.join('')}`);
  const endText = formatTime(end);
  lines.push(`${''.padStart(12)} ${'0'.padEnd(width - endText.length)}${endText}`);
  inside.forEach((m, i) => lines.push(`${''.padStart(12)} ${i < 9 ? i + 1 : '*'} ${m.name} at ${formatTime(m.timeNs)}${m.gcForced ? ' (after a full GC)' : ''}`));
  const outside = t.markers.length - inside.length;
  if (outside > 0) lines.push(`${''.padStart(12)} (${outside} markers outside the polls: ${t.markers.filter((m) => !inside.includes(m)).map((m) => m.name).join(', ')})`);
  return `${lines.join('\n')}\n`;
}

export function formatCsvTimeline(t: Timeline): string {
  const header = 'timeNs,rss,heapTotal,heapUsed,external,arrayBuffers,traced,marker';
  // A marker goes on the row of the first poll at or after it.
  const markerAt = new Map<number, string[]>();
  for (const m of t.markers) {
    const i = t.points.findIndex((p) => p.timeNs >= m.timeNs);
    const row = i < 0 ? t.points.length - 1 : i;
    markerAt.set(row, [...(markerAt.get(row) ?? []), m.name]);
  }
  const csvText = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = t.points.map((p, i) => [p.timeNs, p.rss, p.heapTotal, p.heapUsed, p.external, p.arrayBuffers, Math.round(p.traced),
    csvText((markerAt.get(i) ?? []).join(';'))].join(','));
  return `${[header, ...rows].join('\n')}\n`;
}

export interface JsonTimeline {
  schema: typeof JSON_SCHEMA;
  file: string;
  durationNs: number;
  hasMemory: boolean;
  points: TimelinePoint[];
  markers: { name: string; timeNs: number; gcForced: boolean }[];
  warnings: string[];
}

export function toJsonTimeline(t: Timeline): JsonTimeline {
  return {
    schema: JSON_SCHEMA, file: t.source, durationNs: t.durationNs, hasMemory: t.hasMemory,
    points: t.points.map((p) => ({ ...p, traced: Math.round(p.traced) })),
    markers: t.markers.map((m) => ({ name: m.name, timeNs: m.timeNs, gcForced: m.gcForced })),
    warnings: [...t.warnings],
  };
}
