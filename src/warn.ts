import fs from 'node:fs';

/**
 * One line on stderr. A direct write, because the preload runs before the app
 * has touched process.stderr and must not fail if stderr is closed.
 */
export function warn(message: string): void {
  try {
    fs.writeSync(2, `alloctrace: ${message}\n`);
  } catch {
    // Nowhere left to say it; tracing problems must never reach the app.
  }
}
