// Starting and stopping the native tracer for this thread: shared by the
// preload and the in-process API. Failures become one warning, never an
// exception in the app.
import fs from 'node:fs';
import { FILE_EXISTS, loadNative } from './native';
import { TracerOptions, expandFilePattern, insertBeforeExtension } from './options';
import { headerArgv } from './redact';
import { isPrecise, setPrecise } from './precise';
import { warn } from './warn';

let exitHookInstalled = false;
let exitGc = true;
let lastOptions: TracerOptions | undefined;
/** The file this thread traced to last: starting again into it appends a segment. */
let lastFile: string | undefined;

/**
 * A file already at a %p name belongs to an earlier process with the same
 * pid: in a container every start is pid 1, and the earlier trace is the
 * evidence of why it restarted (an OOM kill). Move it aside, never truncate it.
 */
function keepEarlierTrace(file: string): void {
  let mtime: Date;
  try {
    mtime = fs.statSync(file).mtime;
  } catch {
    return; // no earlier file: the usual case
  }
  const stamp = mtime.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const aside = insertBeforeExtension(file, `.before-${stamp}`);
  fs.renameSync(file, aside);
  warn(`${file} was there from an earlier process with the same pid; kept as ${aside}`);
}

/**
 * This thread's id, 0 on the main thread. node:worker_threads is loaded
 * only inside Workers, where it already is: on the main thread it would cost
 * the preload more than everything else it loads.
 */
export function currentThreadId(): number {
  if (loadNative().isMainThread()) return 0;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (require('node:worker_threads') as typeof import('node:worker_threads')).threadId;
}

/** The options tracing last started with (a restart reuses them: same file, a new segment). */
export function lastTracerOptions(): TracerOptions | undefined {
  return lastOptions;
}

/** Starts tracing this thread. Returns the expanded file path, or undefined (already warned). */
export function startTracing(options: TracerOptions): string | undefined {
  let file: string | undefined;
  lastOptions = options;
  try {
    if (options.precise && !isPrecise()) {
      // Inlined callees are invisible to the sampler; without inlining each
      // allocation is charged to the function that made it. (The preload
      // set the flags already: here the app's hot code must be deoptimized.)
      setPrecise(true);
    }
    const threadId = currentThreadId();
    file = options.file === undefined ? undefined : expandFilePattern(options.file, threadId);
    const start = (path: string | undefined, exclusive: boolean): string | undefined => loadNative().start({
      file: path,
      exclusive,
      interval: options.interval,
      depth: options.depth,
      pollMs: options.pollMs,
      // What holds now: a run-time switch may have turned it on or off since.
      precise: isPrecise(),
      pid: process.pid,
      threadId,
      hostname: '', // the addon asks libuv: node:os would cost the preload more
      argv: headerArgv(process.argv, options.argv ?? 'redacted'),
      cwd: process.cwd(),
      tracerDir: __dirname,
      nodeVersion: process.version,
    });
    const claim = options.claim === true && file !== undefined && !options.file?.includes('%p');
    if (file !== undefined && file !== lastFile && options.file?.includes('%p')) keepEarlierTrace(file);
    let error = start(file, claim);
    if (error === FILE_EXISTS && file !== undefined) {
      // A sibling started at the same moment holds the name: ours gets the pid.
      file = insertBeforeExtension(file, `.${process.pid}`);
      error = start(file, false);
    }
    if (error !== undefined) {
      warn(`${error}; tracing is off, the app goes on`);
      return undefined;
    }
    lastFile = file;
  } catch (err) {
    warn(`${err instanceof Error ? err.message : String(err)}; tracing is off, the app goes on`);
    return undefined;
  }
  exitGc = options.exitGc ?? true;
  installExitHook();
  return file ?? '';
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    try {
      // Polls before and after a full GC: the exit live set holds only what
      // the app still references.
      loadNative().stop(exitGc, 'exit');
    } catch (err) {
      warn(`could not finish the trace: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}
