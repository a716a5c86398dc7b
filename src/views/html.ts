// The self-contained HTML report: one file with its styles, its script and
// its data inline, so it opens offline and can be mailed or attached to a
// ticket. It renders only; src/analysis/html-data.ts computes what it shows.
import type { HtmlData, HtmlTrace } from '../analysis/html-data';
import { displayFile } from '../model/paths';
import { censusJson } from './census';
import { toJsonRecordedRetainers } from './retainers';
import { toJsonRecordedSuspects } from './suspects';
import { toJsonLeaks } from './leaks';
import { toJsonTimeline } from './timeline';
import { PAGE_SCRIPT } from './html-script';

/** JSON safe inside <script>: no `</script`, no `<!--`, no line separators JavaScript would choke on. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

function sourceBlocks(data: HtmlData): string {
  const files = Object.keys(data.sources);
  if (files.length === 0) return '<p class="note">No source embedded (unreadable files, or --no-source).</p>';
  return files.map((file) => `<details class="source"><summary>${escapeHtml(file)}</summary>${data.sources[file].map((block) =>
    `<pre>${block.lines.map((l, i) => `<span class="ln">${block.from + i}</span>${escapeHtml(l)}`).join('\n')}</pre>`).join('')}</details>`).join('\n');
}

const STYLE = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 20px 0 6px; }
.note { color: #666; } .controls { margin: 8px 0; display: flex; gap: 12px; flex-wrap: wrap; align-items: center; }
#timeline { width: 100%; height: 200px; border: 1px solid #ddd; cursor: crosshair; font-size: 10px; }
table { border-collapse: collapse; width: 100%; } th, td { border-bottom: 1px solid #eee; padding: 2px 6px; text-align: left; vertical-align: top; }
th { cursor: pointer; background: #f6f6f6; position: sticky; top: 0; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.site { font-family: ui-monospace, monospace; word-break: break-all; } .stack { color: #666; font-size: 11px; margin-top: 2px; }
#flame { position: relative; width: 100%; border: 1px solid #ddd; overflow: hidden; }
.fl { position: absolute; height: 17px; box-sizing: border-box; border: 1px solid #fff; background: #f0a060; overflow: hidden;
      white-space: nowrap; font-size: 11px; padding: 0 3px; cursor: pointer; }
.fl:hover { background: #f08030; } tr.growing td { background: #fff0f0; }
svg.spark { width: 100px; height: 20px; } pre { background: #f8f8f8; padding: 6px; overflow: auto; margin: 4px 0; }
.ln { display: inline-block; width: 4em; color: #999; user-select: none; }
`;

/** A trace as the page's script reads it: the timeline, leaks and censuses in their JSON forms. */
function pageTrace(t: HtmlTrace): unknown {
  const leaks = toJsonLeaks(t.leaks);
  // Files as the tables show them: relative to the traced process's cwd.
  for (const site of leaks.sites) for (const f of site.frames) if (!f.builtin) f.file = displayFile(f.file, t.cwd);
  return {
    name: t.name, timeNs: t.timeNs, labels: t.labels, stacks: t.stacks, series: t.series, folded: t.folded,
    timeline: toJsonTimeline(t.timeline), leaks, censuses: t.censuses.map((c) => censusJson(c, 30)),
    censusGrowth: t.censusGrowth.map((g) => ({ type: g.type, name: g.name, count: g.count, countDiff: g.countDiff, size: g.size, sizeDiff: g.sizeDiff })),
    retainers: toJsonRecordedRetainers({ file: t.name, recorded: t.retainers }).retainers,
    suspects: toJsonRecordedSuspects({ file: t.name, recorded: t.suspects }).windows
      .map((w) => ({ ...w, suspects: w.suspects.map((s) => ({ ...s, file: s.file === '' ? '' : displayFile(s.file, t.cwd) })) })),
  };
}

export function formatHtmlReport(data: HtmlData): string {
  const t0 = data.traces[0];
  const subtitle = t0 ? `${data.traces.length} trace${data.traces.length > 1 ? 's' : ''}, ${t0.timeNs.length} moments` : 'no traces';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(data.title)}</title>
<style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<div class="note">${escapeHtml(subtitle)}; generated ${escapeHtml(data.generatedAt)}. Sizes are estimates from sampled allocations;
"line" is the line where the function is defined (V8 reports no allocating line). <select id="trace"></select></div>
${data.warnings.length ? `<div class="note">Warnings: ${data.warnings.map(escapeHtml).join('; ')}</div>` : ''}
<h2>Memory over time</h2>
<div class="note">Click the chart to set moment B, shift-click for A (or use the menus).</div>
<svg id="timeline" viewBox="0 0 1000 200" preserveAspectRatio="none"></svg>
<div id="legend" class="note"></div>
<div class="controls">
<label>A <select id="moment-a"></select></label>
<label>B <select id="moment-b"></select></label>
<span id="window" class="note"></span>
</div>
<h2>What is live at B, and what grew from A to B</h2>
<div class="controls"><label>group by <select id="group-by">
<option value="lineno">line</option><option value="function">function</option><option value="filename">file</option><option value="traceback">traceback</option>
</select></label><span id="folded" class="note"></span></div>
<table id="table"></table>
<h2>Flame graph</h2>
<div class="controls"><label><select id="flame-mode"><option value="live">live at B</option><option value="growth">growth from A to B</option></select></label>
<span class="note">callers above callees; click a box to zoom, click the top box to zoom out</span></div>
<div id="flame"></div>
<h2>Leak suspects: sites by sustained growth</h2>
<table id="leaks"></table>
<h2>Object censuses</h2>
<div id="censuses"></div>
<h2>Who holds it: retaining paths</h2>
<div id="holders"></div>
<h2>Source of the hottest functions</h2>
${sourceBlocks(data)}
<script type="application/json" id="alloctrace-data">${scriptJson({ ...data, traces: data.traces.map(pageTrace) })}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
