// Files the CLI writes (profiles, pages): created new and private (0600),
// never through a symlink; an existing file is replaced only when the user
// said --force. `-` is standard output.
import * as fs from 'node:fs';
import { UsageError } from './errors';

export function writeOutput(file: string, content: Uint8Array | string, options: { force: boolean; what: string }): void {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  if (file === '-') {
    process.stdout.write(bytes);
    return;
  }
  const { O_CREAT, O_EXCL, O_WRONLY, O_NOFOLLOW } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(file, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST') throw err;
    const st = fs.lstatSync(file);
    if (st.isDirectory()) throw new UsageError(`${file} is a directory: give -o a file name for the ${options.what}`);
    if (!options.force) throw new UsageError(`${file} exists: not overwritten (--force replaces it)`);
    if (st.isSymbolicLink()) throw new UsageError(`${file} is a symbolic link: not followed, not replaced`);
    // Replaced by a new private file, not rewritten in place (no O_TRUNC through someone else's inode).
    fs.unlinkSync(file);
    fd = fs.openSync(file, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, 0o600);
  }
  try {
    for (let at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at, bytes.length - at);
  } finally {
    fs.closeSync(fd);
  }
}
