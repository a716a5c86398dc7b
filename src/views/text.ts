// The text report, in tracemalloc's style.
import { isDiff, Report } from '../analysis/report';
import { KeyType } from '../model/statistic';
import { formatFrame, formatKey } from './frames';
import { exactNote, inliningNote, nodeInternalNote } from './notes';
import { formatDelta, formatSize, formatTime } from './units';

const NOUN: Record<KeyType, string> = {
  lineno: 'lines', filename: 'files', function: 'functions', traceback: 'tracebacks',
};

export function reportHeading(r: Report): string {
  const o = r.options;
  let h = `Top ${o.top} ${NOUN[o.groupBy]}${o.cumulative ? ' (cumulative)' : ''}, live at ${r.at.label} (${formatTime(r.at.timeNs)})`;
  if (r.compareTo) h += `, compared to ${r.compareTo.label} (${formatTime(r.compareTo.timeNs)})`;
  if (r.files.length > 1) h += `, ${r.files.length} traces merged`;
  const filters = [...o.include.map((p) => `+${p}`), ...o.exclude.map((p) => `-${p}`)];
  if (filters.length > 0) h += `, filtered ${filters.join(' ')}${o.allFrames ? ' (all frames)' : ''}`;
  if (o.hide.length > 0) h += `, frames hidden: ${o.hide.join(' ')}`;
  if (o.groupBy !== 'filename') h += ' — "line" is the function\'s definition line';
  return h;
}

export function formatTextReport(r: Report): string {
  const lines = [reportHeading(r)];
  const shown = r.entries.slice(0, r.options.top);
  shown.forEach((e, i) => {
    let line = `#${i + 1}: ${formatKey(e.keyType, e.traceback, r.cwd)}: ${formatSize(e.size)}`;
    if (isDiff(e)) line += ` (${formatSize(e.sizeDiff, true)})`;
    line += `, count=${e.count}`;
    if (isDiff(e)) line += ` (${formatDelta(e.countDiff)})`;
    line += `, samples=${e.samples}`;
    lines.push(line);
    if (e.keyType === 'traceback') for (const f of e.traceback.frames) lines.push(`    ${formatFrame(f, r.cwd)}`);
  });
  const rest = r.entries.slice(r.options.top);
  if (rest.length > 0 && r.options.cumulative) {
    // Cumulative entries overlap (a sample counts under every frame): a sum would mean nothing.
    lines.push(`${rest.length} other entries`);
  } else if (rest.length > 0) {
    const size = rest.reduce((a, e) => a + e.size, 0);
    let line = `${rest.length} other: ${formatSize(size)}`;
    if (r.compareTo) line += ` (${formatSize(rest.reduce((a, e) => a + (isDiff(e) ? e.sizeDiff : 0), 0), true)})`;
    lines.push(line);
  }
  if (r.entries.length === 0) lines.push('No sampled allocations live at that moment.');
  const t = r.total;
  const b = r.totalBefore;
  lines.push(b
    ? `Total: ${formatSize(t.size)} (${formatSize(t.size - b.size, true)}), count=${t.count} (${formatDelta(t.count - b.count)}), samples=${t.samples}`
    : `Total: ${formatSize(t.size)}, count=${t.count}, samples=${t.samples}`);
  const inlining = inliningNote(r);
  if (inlining !== null) lines.push(`Note: ${inlining}.`);
  const exact = exactNote(r);
  if (exact !== null) lines.push(`Exact: ${exact}.`);
  const nodeTop = nodeInternalNote(r);
  if (nodeTop !== null) lines.push(`Note: ${nodeTop}.`);
  return lines.join('\n') + '\n';
}
