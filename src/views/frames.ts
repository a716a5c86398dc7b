// How frames and keys are written in text output.
import { Frame } from '../model/frame';
import { displayFile } from '../model/paths';
import { KeyType } from '../model/statistic';
import { Traceback } from '../model/traceback';

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
