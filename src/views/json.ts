// `report --json`: the object docs/json.md documents.
import { isDiff, Report } from '../analysis/report';
import { Frame } from '../model/frame';
import { KeyType, Statistic, StatisticDiff } from '../model/statistic';
import { inliningNote, nodeInternalNote } from './notes';

/**
 * The version of every JSON form the CLI prints (report, report --separate,
 * info; docs/json.md). Adding a key keeps it; renaming, removing or changing
 * the meaning of one raises it.
 */
export const JSON_SCHEMA = 1;

export interface JsonFrame {
  /** null when grouping by filename. */
  function: string | null;
  file: string;
  line: number;
  column: number;
  /** Only on builtin frames (traceback grouping shows them). */
  builtin?: true;
}

export interface JsonStat {
  size: number;
  count: number;
  samples: number;
  sizeDiff?: number;
  countDiff?: number;
  /** Leaf-first. */
  frames: JsonFrame[];
}

export interface JsonMoment { when: string; timeNs: number }

export interface JsonReport {
  schema: typeof JSON_SCHEMA;
  file: string | string[];
  at: JsonMoment;
  compareTo: JsonMoment | null;
  groupBy: KeyType;
  total: { size: number; count: number; samples: number };
  stats: JsonStat[];
  other: { entries: number; size: number };
  /**
   * The window (the live set shown, or what it gained since compareTo):
   * estimated bytes, of which allocated with inlining on; exact when none.
   */
  precise: { exact: boolean; windowSize: number; inlinedSize: number };
  warnings: string[];
}

export function jsonFrame(f: Frame, keyType: KeyType): JsonFrame {
  const out: JsonFrame = {
    function: keyType === 'filename' ? null : f.function, file: f.file, line: f.line, column: f.column,
  };
  if (f.builtin) out.builtin = true;
  return out;
}

function jsonStat(e: Statistic | StatisticDiff): JsonStat {
  const out: JsonStat = { size: e.size, count: e.count, samples: e.samples, frames: [] };
  if (isDiff(e)) {
    out.sizeDiff = e.sizeDiff;
    out.countDiff = e.countDiff;
  }
  out.frames = e.traceback.frames.map((f) => jsonFrame(f, e.keyType));
  return out;
}

export function toJsonReport(r: Report): JsonReport {
  const rest = r.entries.slice(r.options.top);
  const warnings = [...r.warnings];
  for (const note of [inliningNote(r), nodeInternalNote(r)]) if (note !== null) warnings.push(note);
  return {
    schema: JSON_SCHEMA,
    file: r.files.length === 1 ? r.files[0] : r.files,
    at: { when: r.at.when, timeNs: r.at.timeNs },
    compareTo: r.compareTo ? { when: r.compareTo.when, timeNs: r.compareTo.timeNs } : null,
    groupBy: r.options.groupBy,
    total: { ...r.total },
    stats: r.entries.slice(0, r.options.top).map(jsonStat),
    other: { entries: rest.length, size: rest.reduce((a, e) => a + e.size, 0) },
    precise: { exact: r.precise.exact, windowSize: r.precise.size, inlinedSize: r.precise.inlinedSize },
    warnings,
  };
}
