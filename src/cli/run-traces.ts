// After `alloctrace run`: which trace files did the command's processes and
// threads write? The preload names them from one pattern (src/options.ts,
// src/register.ts): the first process takes the -o name; when that has no %p,
// child processes insert `.<pid>`; a Worker whose name has no %t inserts
// `.t<threadId>`. So every file is one of at most four shapes of the pattern,
// and this module turns those shapes into regular expressions and scans the
// directory for them. A taken name's next free number (FILE.1.atrace) and
// rotated files look like a pid in a name, so who wrote a file is read from
// its Header.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firstHeader } from '../replay/timelines';
import { HeaderRecord } from '../format/proto';
import { insertBeforeExtension } from '../options';

export interface FoundTrace {
  file: string;
  /** From the name; null when the name has no pid (the first process, or its Workers). */
  pid: number | null;
  /** From the name; 0 for a main thread. */
  threadId: number;
  bytes: number;
  /** The files the same session rotated into, in order (read them after `file` as one timeline). */
  parts: string[];
}

export interface RunTraces {
  /** The main thread of the command's first Node.js process; null if it wrote none. */
  main: FoundTrace | null;
  /** Every other file (child processes, cluster workers, Worker threads), by pid then thread. */
  others: FoundTrace[];
}

/** The names a pattern can take in a process tree (see the top of this file). */
export function nameShapes(pattern: string): string[] {
  const processes = pattern.includes('%p') ? [pattern] : [pattern, insertBeforeExtension(pattern, '.%p')];
  return processes.flatMap((p) => (p.includes('%t') ? [p] : [p, insertBeforeExtension(p, '.t%t')]));
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A file name pattern (no directory) as an anchored RegExp with `pid` and `thread` groups. */
export function shapeRegExp(name: string, hostname: string = os.hostname()): RegExp {
  let pid = false;
  let thread = false;
  // One left-to-right pass, as expandFilePattern does, so `%%p` stays a literal `%p`.
  const source = escape(name).replace(/%([pthd%])/g, (_, c: string) => {
    switch (c) {
      case 'p': if (pid) return '\\k<pid>'; pid = true; return '(?<pid>\\d+)';
      case 't': if (thread) return '\\k<thread>'; thread = true; return '(?<thread>\\d+)';
      case 'h': return escape(hostname);
      case 'd': return '\\d{8}-\\d{6}';
      default: return '%';
    }
  });
  return new RegExp(`^${source}$`);
}

/**
 * The trace files written for `pattern` (an absolute -o path, maybe with %
 * codes) by a command whose first process had pid `rootPid`, modified at or
 * after `sinceMs` (older files are other runs'). Null when the directory
 * itself holds %p, %t or %d, which cannot be scanned for.
 */
export function findRunTraces(pattern: string, rootPid: number | undefined, sinceMs: number): RunTraces | null {
  const dir = path.dirname(pattern).replace(/%([h%])/g, (_, c: string) => (c === 'h' ? os.hostname() : '%'));
  if (/%[ptd]/.test(dir)) return null;
  const shapes = nameShapes(path.basename(pattern)).map((s) => shapeRegExp(s));
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return { main: null, others: [] };
  }
  const found: (FoundTrace & { header: HeaderRecord | null })[] = [];
  for (const name of names) {
    const m = shapes.map((re) => re.exec(name)).find((x) => x !== null);
    if (!m) continue;
    const file = path.join(dir, name);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      continue;
    }
    if (!stat.isFile() || stat.mtimeMs < sinceMs) continue;
    const g = m.groups ?? {};
    const header = firstHeader(file);
    // An earlier run's file written just before this run began passes the (coarse) file time; its
    // Header says when its tracing started: before this run, so not one of its processes.
    if (header && header.startTimeUnixNs > 0 && header.startTimeUnixNs / 1e6 < sinceMs) continue;
    found.push({
      file,
      pid: header ? header.pid : g.pid === undefined ? null : Number(g.pid),
      threadId: header ? header.threadId : g.thread === undefined ? 0 : Number(g.thread),
      bytes: stat.size,
      parts: [],
      header,
    });
  }
  // The rotated files of a session go with its earliest file found.
  const sessions = new Map<string, (typeof found)[number]>();
  const firsts: typeof found = [];
  const key = (h: HeaderRecord): string => `${h.hostname}\0${h.pid}\0${h.threadId}\0${h.startTimeUnixNs}`;
  found.sort((a, b) => (a.header?.part ?? 0) - (b.header?.part ?? 0) || a.file.localeCompare(b.file));
  for (const t of found) {
    const first = t.header ? sessions.get(key(t.header)) : undefined;
    if (first) {
      first.parts.push(t.file);
      continue;
    }
    if (t.header) sessions.set(key(t.header), t);
    firsts.push(t);
  }
  const traces: FoundTrace[] = firsts.map(({ header: _, ...t }) => t);
  traces.sort((a, b) => (a.pid ?? -1) - (b.pid ?? -1) || a.threadId - b.threadId || a.file.localeCompare(b.file));
  // The command's own process, if it is Node.js; else (a wrapper such as sh
  // or npm) the process that claimed the plain name.
  const base = path.basename(pattern);
  const main = traces.find((t) => t.threadId === 0 && t.pid === rootPid)
    ?? (pattern.includes('%p') ? undefined : traces.find((t) => t.threadId === 0 && path.basename(t.file) === base))
    ?? null;
  return { main, others: traces.filter((t) => t !== main) };
}
