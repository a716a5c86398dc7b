// How the model's values read as text (tracemalloc's str() of a Statistic):
// frames, keys and sizes. The model's own toString() uses these; the views
// use them too, so a key reads the same everywhere.
import { Frame } from './frame';
import { displayFile } from './paths';
import type { KeyType } from './statistic';
import { Traceback } from './traceback';

/** The heading of an entry: `app.js:42 (handle)`, `app.js:42:5 (handle)`, `app.js`. */
export function formatKey(keyType: KeyType, traceback: Traceback, cwd: string): string {
  const f = keyType === 'traceback' ? traceback.leaf : traceback.frames[0];
  // Allocations made while no JavaScript ran (start-up, native callbacks).
  if (!f) return '(no JavaScript frames)';
  if (f.builtin) return `${f.name} (builtin)`;
  const file = displayFile(f.file, cwd);
  switch (keyType) {
    case 'filename':
      return file;
    case 'function':
      return `${file}:${f.line}:${f.column} ${inParens(f)}`;
    default:
      return `${file}:${f.line} ${inParens(f)}`;
  }
}

/** `(handle)`, or `(anonymous)` without doubling the parentheses. */
function inParens(f: Frame): string {
  return f.function === '' ? f.name : `(${f.function})`;
}

/** One traceback line: `app.js:42:5 handle`, builtins `JSON.parse (builtin)`. */
export function formatFrame(f: Frame, cwd: string): string {
  if (f.builtin) return `${f.name} (builtin)`;
  return `${displayFile(f.file, cwd)}:${f.line}:${f.column} ${f.name}`;
}

/** tracemalloc's _format_size: `12.3 KiB`, `1234 B`, `+800 KiB` with sign. */
export function formatSize(bytes: number, sign = false): string {
  let size = bytes;
  for (const unit of ['B', 'KiB', 'MiB', 'GiB', 'TiB']) {
    if (Math.abs(size) < 100 && unit !== 'B') return `${signed(size.toFixed(1), size, sign)} ${unit}`;
    if (Math.abs(size) < 10 * 1024 || unit === 'TiB') return `${signed(size.toFixed(0), size, sign)} ${unit}`;
    size /= 1024;
  }
  return `${bytes} B`;
}

function signed(text: string, value: number, sign: boolean): string {
  if (!sign || value < 0 || text.startsWith('-')) return text;
  return `+${text}`;
}
