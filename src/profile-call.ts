// The seed's per-function cost wrapper (a cProfile decorator printing callers
// sorted by cumulative time), for one call: CPU time by function from the
// in-process inspector's CPU profiler, with callers, and the bytes the call
// allocated from sampled allocations in its window. Inspector calls on this
// thread's own session answer synchronously, so a synchronous function stays
// synchronous when profiled.
import * as inspector from 'node:inspector';
import { scriptPath } from './model/paths';
import { loadNative } from './native';
import type { Snapshot } from './public-model';

export interface ProfileCallOptions {
  /** CPU sampling interval in microseconds (default 100). */
  cpuIntervalUs?: number;
  /** Average bytes between allocation samples when alloctrace is not tracing (default 8192). */
  allocIntervalBytes?: number;
  /**
   * Measure allocations (default true). When alloctrace is not tracing this
   * borrows V8's one allocation sampler through the inspector: turn it off if
   * another heap profiler (a vendor's agent) runs in the process, or the
   * borrowing would stop that profiler.
   */
  allocations?: boolean;
}

export interface FunctionCost {
  function: string;
  file: string;
  /** 1-based line and column of the function's definition (0 if unknown). */
  line: number;
  column: number;
  /** CPU time in the function itself, ms. */
  selfMs: number;
  /** CPU time in it and what it called (recursion counted once), ms. */
  totalMs: number;
  /** Who called it, with the part of totalMs spent under each caller, largest first. */
  callers: { function: string; file: string; line: number; ms: number }[];
}

export interface AllocationSite {
  function: string;
  file: string;
  line: number;
  /** Estimated bytes allocated there during the call. */
  bytes: number;
}

export interface CallAllocations {
  /** Estimated bytes the call allocated (sampled), and the sites, largest first. */
  bytes: number;
  samples: number;
  sites: AllocationSite[];
  /**
   * inspector: every sampled allocation of the window, freed or not (V8's
   * sampler through the inspector); tracer: alloctrace is tracing, so its own
   * sampler answers, and allocations a GC freed inside the call are not seen;
   * none: allocations could not be measured (see note).
   */
  source: 'inspector' | 'tracer' | 'none';
  note: string | null;
}

export interface CallProfile<R> {
  result: R;
  wallMs: number;
  /** CPU by function, by totalMs, largest first. */
  cpu: FunctionCost[];
  /** CPU samples the profile rests on. */
  cpuSamples: number;
  allocated: CallAllocations;
}

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface CpuNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }
interface CpuProfile { nodes: CpuNode[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] }
interface HeapNode { callFrame: CallFrame; selfSize: number; children: HeapNode[] }

/** Profiler entries that are not functions of the program. */
const NOT_CODE = new Set(['(root)', '(idle)']);

/** This module's and the inspector's own frames: the measuring, not the call. */
function isOwnFrame(f: CallFrame): boolean {
  return f.url === 'node:inspector' || fileOf(f) === __filename;
}

function post<T>(session: inspector.Session, method: string, params?: object): T {
  let out: { error: Error | null; result: T | undefined } = { error: null, result: undefined };
  session.post(method, params ?? {}, (error: Error | null, result?: object) => {
    out = { error, result: result as T | undefined };
  });
  if (out.error) throw out.error;
  return out.result as T;
}

const keyOf = (f: CallFrame): string => `${f.functionName}\0${f.url}\0${f.lineNumber}\0${f.columnNumber}`;
const fileOf = (f: CallFrame): string => scriptPath(f.url);
const nameOf = (f: CallFrame): string => f.functionName || '(anonymous)';

/** Self and total time per function, with callers, from a CPU profile. */
export function cpuCosts(profile: CpuProfile): { costs: FunctionCost[]; samples: number } {
  const byId = new Map<number, CpuNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  // The caller's stack at the moment of the call (ancestors of the measuring
  // frames) and the measuring frames themselves are not the call's cost.
  const skipped = new Set<number>();
  for (const n of profile.nodes) {
    if (!isOwnFrame(n.callFrame)) continue;
    for (let p: number | undefined = n.id; p !== undefined && !skipped.has(p); p = parent.get(p)) skipped.add(p);
  }
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample stands for the time until the next one.
    const us = i + 1 < deltas.length ? deltas[i + 1] : (profile.endTime - profile.startTime) / Math.max(1, samples.length);
    self.set(samples[i], (self.get(samples[i]) ?? 0) + Math.max(0, us));
  }
  const total = new Map<number, number>();
  const totalOf = (id: number): number => {
    let t = total.get(id);
    if (t === undefined) {
      t = self.get(id) ?? 0;
      for (const c of byId.get(id)?.children ?? []) t += totalOf(c);
      total.set(id, t);
    }
    return t;
  };
  const costs = new Map<string, FunctionCost & { callerMap: Map<string, { f: CallFrame; us: number }> }>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    if (NOT_CODE.has(f.functionName) || skipped.has(n.id)) continue;
    const key = keyOf(f);
    let c = costs.get(key);
    if (!c) {
      c = {
        function: nameOf(f), file: fileOf(f), line: f.lineNumber + 1, column: f.columnNumber + 1,
        selfMs: 0, totalMs: 0, callers: [], callerMap: new Map(),
      };
      costs.set(key, c);
    }
    c.selfMs += (self.get(n.id) ?? 0) / 1000;
    // Recursion: only the outermost frame of a function adds its total.
    let recursive = false;
    for (let p = parent.get(n.id); p !== undefined && !recursive; p = parent.get(p)) {
      recursive = keyOf((byId.get(p) as CpuNode).callFrame) === key;
    }
    if (recursive) continue;
    const t = totalOf(n.id);
    c.totalMs += t / 1000;
    const p = parent.get(n.id);
    const pf = p === undefined ? null : (byId.get(p) as CpuNode).callFrame;
    if (pf && !NOT_CODE.has(pf.functionName) && !isOwnFrame(pf)) {
      const entry = c.callerMap.get(keyOf(pf)) ?? { f: pf, us: 0 };
      entry.us += t;
      c.callerMap.set(keyOf(pf), entry);
    }
  }
  const out: FunctionCost[] = [];
  for (const { callerMap, ...c } of costs.values()) {
    if (c.totalMs === 0 && c.selfMs === 0) continue;
    c.callers = [...callerMap.values()].sort((a, b) => b.us - a.us)
      .map(({ f, us }) => ({ function: nameOf(f), file: fileOf(f), line: f.lineNumber + 1, ms: us / 1000 }));
    out.push(c);
  }
  return { costs: out.sort((a, b) => b.totalMs - a.totalMs || b.selfMs - a.selfMs), samples: samples.length };
}

/**
 * Estimated bytes by allocating function from a sampling heap profile;
 * builtins (no script) are charged to their nearest caller with one, as
 * alloctrace's keys do. The measuring's own allocations are left out.
 */
function heapSites(head: HeapNode): { bytes: number; sites: AllocationSite[] } {
  const sites = new Map<string, AllocationSite>();
  let bytes = 0;
  const walk = (n: HeapNode, owner: CallFrame | null): void => {
    const f = n.callFrame;
    const site = f.url === '' && owner !== null ? owner : f;
    if (n.selfSize > 0 && !isOwnFrame(site)) {
      bytes += n.selfSize;
      const key = keyOf(site);
      const s = sites.get(key) ?? { function: nameOf(site), file: fileOf(site), line: site.lineNumber + 1, bytes: 0 };
      s.bytes += n.selfSize;
      sites.set(key, s);
    }
    for (const c of n.children) walk(c, site.url === '' ? owner : site);
  };
  walk(head, null);
  return { bytes, sites: [...sites.values()].sort((a, b) => b.bytes - a.bytes) };
}

function tracing(): boolean {
  try {
    return loadNative().isTracing();
  } catch {
    return false;
  }
}

/** Starts measuring; the returned function stops and gives what was measured. */
function begin(options: ProfileCallOptions): () => Omit<CallProfile<never>, 'result'> {
  const session = new inspector.Session();
  session.connect();
  // V8 has one allocation sampler per thread: while alloctrace traces, the
  // inspector's would stop it, so alloctrace's own answers then.
  const traced = tracing();
  let before: Snapshot | null = null;
  let allocError: string | null = null;
  if (traced) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      before = (require('./api') as typeof import('./api')).takeSnapshot({ gc: false });
    } catch (err) {
      allocError = String(err);
    }
  } else if (options.allocations === false) {
    allocError = 'not asked for (allocations: false)';
  } else {
    try {
      post(session, 'HeapProfiler.enable');
      post(session, 'HeapProfiler.startSampling', {
        samplingInterval: options.allocIntervalBytes ?? 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
      });
    } catch (err) {
      allocError = String(err);
    }
  }
  const started = process.hrtime.bigint();
  // The CPU profile covers the call only, not the measuring around it.
  let cpuError: string | null = null;
  try {
    post(session, 'Profiler.enable');
    post(session, 'Profiler.setSamplingInterval', { interval: options.cpuIntervalUs ?? 100 });
    post(session, 'Profiler.start');
  } catch (err) {
    cpuError = String(err);
  }
  return () => {
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    let cpu: FunctionCost[] = [];
    let cpuSamples = 0;
    if (cpuError === null) {
      try {
        const { profile } = post<{ profile: CpuProfile }>(session, 'Profiler.stop');
        ({ costs: cpu, samples: cpuSamples } = cpuCosts(profile));
      } catch {
        // Nothing measured: cpu stays empty.
      }
    }
    let allocated: CallAllocations = { bytes: 0, samples: 0, sites: [], source: 'none', note: allocError };
    if (traced && before !== null) {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const after = (require('./api') as typeof import('./api')).takeSnapshot({ gc: false });
      // The call runs under profileCall: only allocations made by the measuring itself are left out.
      const stats = after.bornAfter(before.info.timeNs).statistics('lineno')
        .filter((st) => st.traceback.frames.length === 0 || (st.traceback.frames[0].file !== __filename && st.traceback.frames[0].file !== 'node:inspector'));
      allocated = {
        bytes: stats.reduce((a, st) => a + st.size, 0), samples: stats.reduce((a, st) => a + st.samples, 0), source: 'tracer',
        sites: stats.map((st) => ({
          function: st.traceback.frames[0]?.name ?? '(no JavaScript frames)', file: st.traceback.frames[0]?.file ?? '',
          line: st.traceback.frames[0]?.line ?? 0, bytes: st.size,
        })),
        note: 'alloctrace is tracing, so its own sampler answers: allocations a GC freed before the call ended are not counted',
      };
    } else if (!traced && allocError === null) {
      try {
        const { profile } = post<{ profile: { head: HeapNode; samples: unknown[] } }>(session, 'HeapProfiler.stopSampling');
        const { bytes, sites } = heapSites(profile.head);
        allocated = { bytes, samples: profile.samples.length, sites, source: 'inspector', note: null };
      } catch (err) {
        allocated = { ...allocated, note: String(err) };
      }
    }
    session.disconnect();
    return { wallMs, cpu, cpuSamples, allocated };
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn` once and measures it: CPU by function (with callers) and bytes
 * allocated. Returns the profile with fn's result; for a function returning a
 * promise, a promise of it. fn's own exceptions propagate (after measuring stops).
 */
export function profileCall<R>(fn: () => Promise<R>, options?: ProfileCallOptions): Promise<CallProfile<R>>;
export function profileCall<R>(fn: () => R, options?: ProfileCallOptions): CallProfile<R>;
export function profileCall<R>(fn: () => R | Promise<R>, options: ProfileCallOptions = {}): CallProfile<R> | Promise<CallProfile<R>> {
  const end = begin(options);
  let value: R | Promise<R>;
  try {
    value = fn();
  } catch (err) {
    end();
    throw err;
  }
  if (isThenable(value)) {
    return Promise.resolve(value).then(
      (result) => ({ result, ...end() }),
      (err: unknown) => {
        end();
        throw err;
      });
  }
  return { result: value as R, ...end() };
}

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const kib = (b: number): string => (b >= 10 * 1024 * 1024 ? `${(b / 1048576).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

/** cProfile's table, sorted by cumulative time, with each function's callers under it. */
export function formatCallProfile(p: Omit<CallProfile<unknown>, 'result'>, top = 15): string {
  const lines = [`call took ${ms(p.wallMs)} ms; ${p.cpuSamples} CPU samples`, '   total ms    self ms  function (definition)'];
  for (const c of p.cpu.slice(0, top)) {
    lines.push(`${ms(c.totalMs).padStart(11)}${ms(c.selfMs).padStart(11)}  ${c.function} (${c.file || '(native)'}:${c.line})`);
    for (const caller of c.callers.slice(0, 3)) lines.push(`${''.padStart(24)}  ← ${ms(caller.ms)} ms from ${caller.function} (${caller.file || '(native)'}:${caller.line})`);
  }
  const a = p.allocated;
  if (a.source === 'none') {
    lines.push(`allocated: not measured${a.note ? ` (${a.note})` : ''}`);
  } else {
    lines.push(`allocated: ${kib(a.bytes)} estimated from ${a.samples} samples${a.note ? ` (${a.note})` : ''}`);
    for (const s of a.sites.slice(0, 5)) lines.push(`${kib(s.bytes).padStart(11)}  ${s.function} (${s.file}:${s.line})`);
  }
  return `${lines.join('\n')}\n`;
}

export interface WrapOptions extends ProfileCallOptions {
  /** Where the table goes (default: stderr). */
  print?: (text: string) => void;
  /** Functions shown (default 15). */
  top?: number;
}

/** `fn` profiled on every call, its table printed (the seed's decorator); returns what fn returns. */
export function wrap<A extends unknown[], R>(fn: (...args: A) => R, options: WrapOptions = {}): (...args: A) => R {
  const print = options.print ?? ((text: string) => process.stderr.write(text));
  const name = fn.name || '(anonymous)';
  return function profiled(this: unknown, ...args: A): R {
    const out = profileCall(() => fn.apply(this, args), options) as CallProfile<R> | Promise<CallProfile<Awaited<R>>>;
    const show = (p: Omit<CallProfile<unknown>, 'result'>): void => print(`alloctrace profile of ${name}():\n${formatCallProfile(p, options.top)}`);
    if (isThenable(out)) {
      return (out as Promise<CallProfile<Awaited<R>>>).then((p) => {
        show(p);
        return p.result;
      }) as R;
    }
    show(out as CallProfile<R>);
    return (out as CallProfile<R>).result;
  };
}
