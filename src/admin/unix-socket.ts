// The admin endpoint on a unix socket (ALLOCTRACE_HTTP=unix:/path), made so
// that nothing is ever followed or replaced: an existing symlink or non-socket
// file is refused, an existing socket only if another process answers on it
// (a dead one's is removed); the socket is bound inside a private directory
// (0700), set to 0600 there, and hard-linked into place, which fails rather
// than replace a file that appeared meanwhile.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Whether something answers on the socket at `file`: 'stale' only when the connection is refused. */
function probe(file: string): Promise<'stale' | 'in use'> {
  return new Promise((resolve) => {
    const socket = net.connect(file);
    socket.once('connect', () => { socket.destroy(); resolve('in use'); });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'stale' : 'in use'));
  });
}

function sameFile(a: fs.Stats, b: fs.Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Makes room at `file` for a new socket, or throws why not. */
async function removeStaleSocket(file: string): Promise<void> {
  let before: fs.Stats;
  try {
    before = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (before.isSymbolicLink()) throw new Error(`${file} is a symbolic link: not followed, not replaced`);
  if (!before.isSocket()) throw new Error(`${file} exists and is not a socket: not replaced`);
  if ((await probe(file)) === 'in use') throw new Error(`another process listens on ${file}`);
  if (!sameFile(fs.lstatSync(file), before)) throw new Error(`${file} changed while it was checked`);
  fs.unlinkSync(file);
}

function listen(server: net.Server, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      server.off('error', reject);
      server.off('close', done);
      resolve();
    };
    server.once('error', reject);
    server.once('close', done); // closed by the caller meanwhile: the caller's cancelled() says so
    server.listen(file, done);
  });
}

/**
 * Listens on `file` (see above). `cancelled()` is asked after each wait, so
 * that a bind the caller gave up on meanwhile stops there. Returns the
 * function that removes the socket file, if it is still the one made here.
 */
export async function listenUnix(server: net.Server, file: string, cancelled: () => boolean): Promise<() => void> {
  await removeStaleSocket(file);
  if (cancelled()) return () => undefined;
  const dir = fs.mkdtempSync(path.join(path.dirname(file), '.at-'));
  const temp = path.join(dir, 's');
  let made: fs.Stats;
  try {
    await listen(server, temp);
    if (cancelled()) return () => undefined;
    fs.chmodSync(temp, 0o600); // inside our 0700 directory: no one else can reach it yet
    fs.linkSync(temp, file); // EEXIST rather than replace
    made = fs.lstatSync(file);
  } finally {
    fs.rmSync(temp, { force: true });
    fs.rmdirSync(dir);
  }
  return () => {
    try {
      if (sameFile(fs.lstatSync(file), made)) fs.unlinkSync(file);
    } catch {
      // Gone already: nothing to remove.
    }
  };
}
