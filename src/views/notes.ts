// The notes under a report, worded once for the text and JSON views.
import { Report } from '../analysis/report';
import { formatSize } from './units';

const PRECISE_HOW = 'for exact functions use precise mode: `alloctrace run` (its default), ALLOCTRACE_PRECISE=1, ' +
  'or while the app runs setPrecise(true), POST /precise?on=1 or ALLOCTRACE_PRECISE_SIGNAL';

/** What the window is, for people: the live set shown, or what it gained since the earlier moment. */
function windowWords(r: Report): string {
  if (!r.compareTo) return `live at ${r.at.label}`;
  const [later, earlier] = r.at.timeNs >= r.compareTo.timeNs ? [r.at, r.compareTo] : [r.compareTo, r.at];
  return `allocated since ${earlier.label} and live at ${later.label}`;
}

/** The inlining caveat, saying how much of the window it concerns; null when the window is exact. */
export function inliningNote(r: Report): string | null {
  const w = r.precise;
  if (w.exact) return null;
  const whole = w.size === 0 || w.inlinedSize >= w.size * 0.9995;
  const part = whole
    ? `all of the ${formatSize(w.size)} ${windowWords(r)} was allocated with inlining on`
    : `${formatSize(w.inlinedSize)} of the ${formatSize(w.size)} ${windowWords(r)} ` +
      `(${((100 * w.inlinedSize) / w.size).toFixed(0)} %) was allocated with inlining on`;
  return `allocations in functions that V8 inlined are charged to their callers, and ${part}; ${PRECISE_HOW}`;
}

/** Said when precise mode was switched at run time and this window lies wholly in it. */
export function exactNote(r: Report): string | null {
  return r.precise.exact && r.precise.switched && r.precise.size > 0
    ? 'every allocation in this window was made in precise mode: functions are exact'
    : null;
}

/** Node's own functions at the top while inlining was on. */
export function nodeInternalNote(r: Report): string | null {
  return r.nodeInternalTop
    ? "top entries are Node's own functions (node:...), which probably host inlined application code: " +
      "--hide 'node:*' charges them to the nearest application frame; precise mode gives exact functions"
    : null;
}
