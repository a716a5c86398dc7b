// Starting and stopping the native tracer for this thread: shared by the
// preload and the in-process API. Failures become one warning, never an
// exception in the app.
import { loadNative } from './native';
import { DEFAULTS, TracerOptions, expandFilePattern, insertBeforeExtension, withDefaultName } from './options';
import { headerArgv } from './redact';
import { isPrecise, setPrecise } from './precise';
import { warn } from './warn';

let exitHookInstalled = false;
let exitGc = true;
let lastOptions: TracerOptions | undefined;
/** The file this thread traced to last: starting again into it appends a segment. */
let lastFile: string | undefined;

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
    file = options.file === undefined ? undefined : expandFilePattern(withDefaultName(options.file), threadId);
    // The native writer creates files exclusively (never over an existing
    // file, never through a symlink, mode 0600): a name that is taken gets the
    // next free number, or with `claim` (a process of `alloctrace run` whose
    // sibling holds the name) FILE.<pid>.
    const claim = options.claim === true && file !== undefined && !options.file?.includes('%p');
    const error = loadNative().start({
      file,
      ifTaken: claim && file !== undefined ? insertBeforeExtension(file, `.${process.pid}`) : undefined,
      maxBytes: options.maxBytes ?? DEFAULTS.maxBytes,
      keep: options.keep ?? DEFAULTS.keep,
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
    if (error !== undefined) {
      warn(`${error}; tracing is off, the app goes on`);
      return undefined;
    }
    const restart = file === lastFile;
    lastFile = file;
    if (file !== undefined) {
      const written = loadNative().file();
      // A restart appends to this process's own (latest) file: nothing to say.
      if (written !== file && !restart) warn(`${file} already exists; tracing to ${written}`);
      file = written;
    }
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
