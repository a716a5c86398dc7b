// The suspects window: allocation tracking on (the inspector records every
// allocation's stack, with compaction off so objects keep their traces, and
// precise mode on so inlined callees are named), then the heap snapshot that
// stopping it writes, read back and joined: allocating code with retaining
// path. Costs more than sampling while it runs; never runs unasked; one at a time.
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { HeapGraph } from './graph';
import { readHeapSnapshot } from './parse';
import type { SuspectsFinding } from '../model/findings';
import { suspectsOf } from './suspects';
import { checkHeapWalk } from './walk-guard';

export interface SuspectsOptions {
  /** How long allocations are tracked (default 60). */
  seconds?: number;
  /** Groups shown (default 10). */
  top?: number;
  /** Only the objects allocated at this site (a function, a file or file:line; heap/allocation-sites.ts). */
  site?: string;
  /** Take the closing heap snapshot even when it would not fit (walk-guard.ts). */
  force?: boolean;
  /** Switches precise mode on for the window (default true); `setPrecise` is given when alloctrace's addon is there. */
  setPrecise?: (on: boolean) => boolean;
}

/** A window's answer (what the trace keeps) and what it cost this time. */
export interface SuspectsResult extends SuspectsFinding {
  /** How long the app was paused for the closing heap snapshot, ms. */
  snapshotMs: number;
  note: string;
}

const COST_NOTE = 'allocation tracking records the stack of every allocation while the window is open, far more than sampling: ' +
  'an allocation-only loop ran 73x slower in it (bench/suspects.js; code that mostly waits on I/O slows much less), and closing ' +
  'the window pauses the app for a heap snapshot. Keep windows short'

let running: { stop: () => void } | null = null;

/** Ends a running window now (the answer comes as usual); false when none runs. */
export function stopSuspects(): boolean {
  if (!running) return false;
  running.stop();
  return true;
}

function post<T>(session: inspector.Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params, (err: Error | null, result?: object) => (err ? reject(err) : resolve(result as T)));
  });
}

export async function trackSuspects(options: SuspectsOptions = {}): Promise<SuspectsResult> {
  if (running) throw new Error('a suspects window is already running (one at a time)');
  checkHeapWalk('snapshot', 'a suspects window (its closing heap snapshot)', options.force);
  const seconds = options.seconds ?? 60;
  // The window's clock starts once tracking is on (below); a stop asked for before that ends it at once.
  let stopped = false;
  let endNow: () => void = () => undefined;
  running = { stop: () => { stopped = true; endNow(); } };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alloctrace-suspects-'));
  const session = new inspector.Session();
  session.connect();
  let precise = false;
  try {
    // Objects the GC moves lose their allocation trace (see DESIGN.md): no compaction while tracking.
    v8.setFlagsFromString('--no-compact');
    precise = options.setPrecise ? options.setPrecise(true) : false;
    await post(session, 'HeapProfiler.enable');
    await post(session, 'HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
    const opened = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, seconds * 1000);
      endNow = () => {
        clearTimeout(timer);
        resolve();
      };
      if (stopped) endNow();
    });
    // How long it was open: the time asked for, or less when stopped early.
    const openS = Math.round(Number(process.hrtime.bigint() - opened) / 1e8) / 10;
    // The heap may have grown in the window: disabling the profiler (finally) stops tracking without a snapshot.
    checkHeapWalk('snapshot', 'the suspects window\'s closing heap snapshot', options.force);
    const file = path.join(dir, 'window.heapsnapshot');
    const fd = fs.openSync(file, 'wx', 0o600);
    const onChunk = (m: { params: { chunk: string } }): void => {
      fs.writeSync(fd, m.params.chunk);
    };
    session.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
    const t0 = process.hrtime.bigint();
    try {
      // Stopping writes the snapshot with every live object's trace node.
      await post(session, 'HeapProfiler.stopTrackingHeapObjects', { reportProgress: false });
    } finally {
      session.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
      fs.closeSync(fd);
    }
    const snapshotMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const ownDir = path.dirname(__dirname) + path.sep;
    const own = (f: string): boolean => f === 'node:inspector' || f.startsWith(ownDir);
    const { suspects, tracked, trackedSize } = suspectsOf(new HeapGraph(readHeapSnapshot(file)), options.top ?? 10, own, options.site);
    return { seconds: openS, site: options.site ?? null, tracked, trackedSize, suspects, snapshotMs, precise, note: COST_NOTE };
  } finally {
    v8.setFlagsFromString('--compact');
    if (precise && options.setPrecise) options.setPrecise(false);
    await post(session, 'HeapProfiler.disable').catch(() => undefined);
    session.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
    running = null;
  }
}
