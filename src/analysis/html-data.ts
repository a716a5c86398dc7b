// Everything the HTML report shows, computed here so the page only renders:
// the memory timeline with markers, each stack's live size at up to
// `points` moments (stored only where it changes), the leaks ranking, and
// the source around the hottest functions. The page picks two moments and
// groups the stacks itself (by line, function, file or traceback).
import { displayFile } from '../model/paths';
import { sourceLines } from '../model/source-lines';
import { OpenOptions, Replay } from '../replay/replay';
import { Census, CensusGrowth, censusGrowth } from '../model/census';
import type { Recorded, RetainersResult, SuspectsFinding } from '../model/findings';
import { DEFAULT_LEAKS_OPTIONS, LeaksResult, leaksOf } from './leaks';
import { Timeline, timelineOf } from './timeline';

export interface HtmlOptions {
  /** Moments each series is taken at (spread over the polls). */
  points: number;
  /** Embed the source around the hottest functions. */
  source: boolean;
  /** Stacks kept one by one; the rest are folded into one entry (the page says so). */
  maxStacks: number;
}

export const DEFAULT_HTML_OPTIONS: Readonly<HtmlOptions> = { points: 120, source: true, maxStacks: 4000 };

/** [function, file as shown, line, column, builtin 0|1] */
export type HtmlFrame = [string, string, number, number, number];

export interface HtmlTrace {
  name: string;
  /** The moments: ns since the start, and the markers at or before each (by the first poll after them). */
  timeNs: number[];
  labels: string[];
  /** Frame indices into HtmlData.frames, leaf-first. */
  stacks: number[][];
  /** Per stack: [point, size, count] wherever its live size changes (it holds from that point on). */
  series: [number, number, number][][];
  folded: { stacks: number; maxSize: number } | null;
  /** The traced process's cwd: files under it are shown relative. */
  cwd: string;
  timeline: Timeline;
  leaks: LeaksResult;
  /** Object censuses written into the trace, and what grew from the first to the last. */
  censuses: readonly Census[];
  censusGrowth: CensusGrowth[];
  /** Who held what: the retainers and suspects answers written into the trace. */
  retainers: readonly Recorded<RetainersResult>[];
  suspects: readonly Recorded<SuspectsFinding>[];
}

export interface HtmlData {
  schema: 1;
  title: string;
  generatedAt: string;
  frames: HtmlFrame[];
  traces: HtmlTrace[];
  /** file → { first line number, lines } around the hottest functions. */
  sources: Record<string, { from: number; lines: string[] }[]>;
  warnings: string[];
}

/** Lines of source shown around a function's definition line. */
const SOURCE_BEFORE = 3;
const SOURCE_AFTER = 30;
const SOURCE_FUNCTIONS = 40;

export function htmlData(files: readonly string[], options: HtmlOptions, open: OpenOptions = {}): HtmlData {
  const frames: HtmlFrame[] = [];
  const frameIndex = new Map<string, number>();
  const frameOf = (fn: string, file: string, line: number, column: number, builtin: boolean, cwd: string): number => {
    const shown = builtin ? '' : displayFile(file, cwd);
    const key = `${fn}\0${file}\0${line}\0${column}\0${builtin ? 1 : 0}`;
    let i = frameIndex.get(key);
    if (i === undefined) {
      i = frames.length;
      frames.push([fn, shown, line, column, builtin ? 1 : 0]);
      frameIndex.set(key, i);
    }
    return i;
  };
  const hot = new Map<string, { file: string; shown: string; line: number; size: number }>();
  const warnings: string[] = [];
  const traces = Replay.openEach(files, open).map((replay): HtmlTrace => {
    const cwd = replay.cwd;
    const series = replay.siteSeries('traceback', { maxPoints: options.points });
    const ranked = series.sites
      .map((s) => ({ s, max: s.size.reduce((a, v) => Math.max(a, v), 0) }))
      .sort((a, b) => b.max - a.max);
    const kept = ranked.slice(0, options.maxStacks);
    const rest = ranked.slice(options.maxStacks);
    const stacks: number[][] = [];
    const out: [number, number, number][][] = [];
    for (const { s } of kept) {
      stacks.push(s.traceback.frames.map((f) => frameOf(f.function, f.file, f.line, f.column, f.builtin, cwd)));
      const changes: [number, number, number][] = [];
      let last = 0;
      for (let p = 0; p < s.size.length; p++) {
        if (s.size[p] !== last) changes.push([p, Math.round(s.size[p]), Math.round(s.count[p])]);
        last = s.size[p];
      }
      out.push(changes);
      const leaf = s.traceback.leaf;
      if (leaf && !leaf.builtin && leaf.file) {
        const key = `${leaf.file}\0${leaf.line}`;
        const size = s.size[s.size.length - 1] ?? 0;
        const h = hot.get(key) ?? { file: leaf.file, shown: displayFile(leaf.file, cwd), line: leaf.line, size: 0 };
        h.size += size;
        hot.set(key, h);
      }
    }
    const labels = Array.from(series.timeNs, () => '');
    for (const m of replay.markers) {
      const p = series.timeNs.findIndex((t) => t >= m.timeNs);
      const at = p < 0 ? series.timeNs.length - 1 : p;
      if (at >= 0) labels[at] = labels[at] ? `${labels[at]}, ${m.name}` : m.name;
    }
    warnings.push(...replay.warnings);
    const leaks = leaksOf(files, replay, { ...DEFAULT_LEAKS_OPTIONS, top: 30, points: options.points });
    const censuses = replay.censuses;
    const grown = censuses.length >= 2
      ? censusGrowth(censuses[censuses.length - 1], censuses[0]).filter((g) => g.countDiff > 0 || g.sizeDiff > 0).slice(0, 30)
      : [];
    return {
      censuses, censusGrowth: grown, retainers: replay.retainers, suspects: replay.suspects, cwd,
      name: replay.name, timeNs: Array.from(series.timeNs), labels, stacks, series: out,
      folded: rest.length > 0 ? { stacks: rest.length, maxSize: rest.reduce((a, r) => a + r.max, 0) } : null,
      timeline: timelineOf(replay), leaks,
    };
  });
  const sources: HtmlData['sources'] = {};
  if (options.source) {
    const top = [...hot.values()].sort((a, b) => b.size - a.size).slice(0, SOURCE_FUNCTIONS);
    for (const h of top) {
      const lines = sourceLines(h.file);
      if (!lines) continue;
      const from = Math.max(1, h.line - SOURCE_BEFORE);
      (sources[h.shown] ??= []).push({ from, lines: lines.slice(from - 1, h.line + SOURCE_AFTER) });
    }
  }
  return {
    schema: 1, title: `alloctrace: ${files.join(', ')}`, generatedAt: new Date().toISOString(), frames, traces, sources, warnings,
  };
}
