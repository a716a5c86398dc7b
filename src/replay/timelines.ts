// Which of the files given together are the rotated parts of one session
// (read one after the other as one timeline) and which are other processes
// or threads (merged side by side). Decided from each file's first Header:
// a rotated file has the same pid, thread, host and start time as the file
// it continues, and a higher part number.
import * as fs from 'node:fs';
import { HeaderRecord } from '../format/proto';
import { TraceReader } from '../format/reader';

/** The first Header of a regular trace file; null if it has none or cannot be read. */
export function firstHeader(file: string): HeaderRecord | null {
  try {
    // Only regular files can be read twice (not a pipe or stdin).
    if (!fs.statSync(file).isFile()) return null;
    const fd = fs.openSync(file, 'r');
    try {
      // The Header comes first and is small (argv is most of it): read its start only.
      for (const size of [64 << 10, 4 << 20]) {
        const head = Buffer.alloc(size);
        const n = fs.readSync(fd, head, 0, size, 0);
        for (const { record } of new TraceReader(head.subarray(0, n), file).records()) {
          return record.kind === 'header' ? record.header : null;
        }
        if (n < size) break;
      }
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Unreadable or not a trace: loading it on its own says why.
  }
  return null;
}

const processKey = (h: HeaderRecord): string => `${h.hostname}\0${h.pid}\0${h.threadId}`;

/**
 * The files grouped into timelines, each in reading order; groups in the
 * order their first file was given. A file whose first Header continues a
 * session (part > 0) joins a group of that session that lacks its part; a
 * session's first file (part 0) always starts a group, so a file given twice
 * is merged with itself as before. A group with no first file joins the
 * latest earlier session of the same process and thread, if given (tracing
 * restarted into that file, then rotated); else it stands alone.
 */
export function groupTimelines(files: readonly string[]): string[][] {
  if (files.length < 2) return files.map((f) => [f]);
  const entries = files.map((file, index) => ({ file, index, header: firstHeader(file) }));
  type Entry = (typeof entries)[number];
  interface Group { key: string; parts: Set<number>; entries: Entry[] }
  const groups: Group[] = [];
  const byPart = [...entries].sort((a, b) => (a.header?.part ?? 0) - (b.header?.part ?? 0) || a.index - b.index);
  for (const e of byPart) {
    if (!e.header) {
      groups.push({ key: '', parts: new Set(), entries: [e] });
      continue;
    }
    const key = `${processKey(e.header)}\0${e.header.startTimeUnixNs}`;
    const part = e.header.part;
    let group = part === 0 ? undefined : groups.find((g) => g.key === key && !g.parts.has(part));
    if (!group) {
      group = { key, parts: new Set(), entries: [] };
      groups.push(group);
    }
    group.parts.add(part);
    group.entries.push(e);
  }
  for (const orphan of groups.filter((g) => g.key !== '' && !g.parts.has(0))) {
    const h = orphan.entries[0].header as HeaderRecord;
    let host: Group | null = null;
    for (const g of groups) {
      const gh = g.entries[0].header;
      if (g === orphan || !gh || processKey(gh) !== processKey(h) || gh.startTimeUnixNs >= h.startTimeUnixNs) continue;
      if (!host || gh.startTimeUnixNs > (host.entries[0].header as HeaderRecord).startTimeUnixNs) host = g;
    }
    if (host) {
      host.entries.push(...orphan.entries);
      groups.splice(groups.indexOf(orphan), 1);
    }
  }
  const first = (g: Group): number => Math.min(...g.entries.map((e) => e.index));
  return groups.sort((a, b) => first(a) - first(b)).map((g) => g.entries
    .sort((a, b) => {
      const ha = a.header as HeaderRecord;
      const hb = b.header as HeaderRecord;
      return ha.startTimeUnixNs - hb.startTimeUnixNs || ha.part - hb.part || a.index - b.index;
    })
    .map((e) => e.file));
}
