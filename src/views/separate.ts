// `report --separate`: one section per trace file, headed by the process and
// thread that wrote it, so that per-process reports are never mixed up.
import path from 'node:path';
import { FileReport, TraceOrigin } from '../analysis/separate';
import { JSON_SCHEMA, JsonReport, toJsonReport } from './json';
import { formatTextReport } from './text';

export interface JsonSeparateReport {
  schema: typeof JSON_SCHEMA;
  /** The usual report object of each file that could be reported, plus who wrote it. */
  reports: (JsonReport & { process: TraceOrigin | null })[];
  /** Files that could not be reported (unknown marker, unreadable...). */
  errors: { file: string; error: string }[];
}

/** `pid 12, main thread`, `pid 12, worker thread 3`. */
export function describeOrigin(o: TraceOrigin): string {
  return `pid ${o.pid}, ${o.threadId === 0 ? 'main thread' : `worker thread ${o.threadId}`}`;
}

export function commandLine(argv: readonly string[]): string {
  // argv[0] is the node binary's absolute path: its name says enough.
  return argv.map((a, i) => (i === 0 ? path.basename(a) : a)).join(' ');
}

/** Paths under the current directory are shown relative, as people typed them. */
function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function heading(r: FileReport): string {
  let h = `=== ${shownPath(r.file)}`;
  if ('report' in r && r.origin) {
    h += `: ${describeOrigin(r.origin)}`;
    // A Worker's argv is only the node binary: nothing worth showing.
    if (r.origin.argv.length > 1) h += `: ${commandLine(r.origin.argv)}`;
  }
  return h;
}

/** `message` gives a failed file's one-line reason. */
export function formatSeparateText(results: readonly FileReport[], message: (err: unknown) => string): string {
  return results.map((r) => `${heading(r)}\n${'report' in r ? formatTextReport(r.report) : `error: ${message(r.error)}\n`}`)
    .join('\n');
}

export function toJsonSeparate(results: readonly FileReport[], message: (err: unknown) => string): JsonSeparateReport {
  const out: JsonSeparateReport = { schema: JSON_SCHEMA, reports: [], errors: [] };
  for (const r of results) {
    if ('report' in r) out.reports.push({ ...toJsonReport(r.report), process: r.origin });
    else out.errors.push({ file: r.file, error: message(r.error) });
  }
  return out;
}

export function formatSeparateJson(results: readonly FileReport[], message: (err: unknown) => string): string {
  return JSON.stringify(toJsonSeparate(results, message), null, 2) + '\n';
}
