// How file names are shown: relative to the traced process's cwd when under it.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** An ES module's script name is a file:// URL; CommonJS ones are paths. */
export function scriptPath(file: string): string {
  if (file.startsWith('file://')) {
    try {
      return fileURLToPath(file);
    } catch {
      return file;
    }
  }
  return file;
}

/** `file` shown relative to `cwd` if it lies under it, else as recorded (URLs as paths). */
export function displayFile(file: string, cwd: string): string {
  if (file === '') return '(unknown file)';
  const p = scriptPath(file);
  if (cwd && path.isAbsolute(p)) {
    const base = cwd.endsWith(path.sep) ? cwd : cwd + path.sep;
    if (p.startsWith(base)) return p.slice(base.length);
  }
  return p;
}
