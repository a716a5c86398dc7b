// Lines of the traced program's source files, read on demand (tracemalloc
// uses linecache): the files of a report are few, so each is read once and
// kept while it is small. An unreadable file has no lines; nothing throws.
import * as fs from 'node:fs';
import { scriptPath } from './paths';

/** Files larger than this are not read (a bundle's single line would say nothing). */
const MAX_FILE_BYTES = 8 << 20;
const CACHED_FILES = 64;
const cache = new Map<string, string[] | null>();

/** Every line of a source file (cached), or null when it cannot be read or is too large. */
export function sourceLines(file: string): readonly string[] | null {
  return linesOf(file);
}

function linesOf(file: string): string[] | null {
  if (cache.has(file)) return cache.get(file) ?? null;
  let lines: string[] | null = null;
  try {
    const p = scriptPath(file);
    if (!p.startsWith('node:') && fs.statSync(p).size <= MAX_FILE_BYTES) lines = fs.readFileSync(p, 'utf8').split(/\r?\n/);
  } catch {
    lines = null;
  }
  if (cache.size >= CACHED_FILES) cache.delete(cache.keys().next().value as string);
  cache.set(file, lines);
  return lines;
}

/** Line `line` (1-based) of `file`, or '' when the file or line cannot be read. */
export function sourceLine(file: string, line: number): string {
  if (file === '' || line < 1) return '';
  return linesOf(file)?.[line - 1] ?? '';
}
