// Which stacks a view keeps, and what is left of each: tracemalloc's filters
// (keep or drop whole traces) then pprof's -hide (drop frames). Decided once
// per distinct stack, since samples vastly outnumber stacks. Snapshots and
// the replay's per-site series share it, so both count the same samples.
import { Filter, passesFilters } from './filter';
import { SymbolTable } from './symbols';

/** Stack id → the stack id to count the sample under, or -1 to drop it. */
export type StackSelection = (stackId: number) => number;

/** Keeps every stack as it is. */
export const KEEP_ALL: StackSelection = (s) => s;

/** The stacks passing `filters` (tracemalloc semantics); -1 for the rest. */
export function filterSelection(symbols: SymbolTable, filters: readonly Filter[], cwd: string): StackSelection {
  if (filters.length === 0) return KEEP_ALL;
  const verdict = new Map<number, boolean>();
  return (s) => {
    let ok = verdict.get(s);
    if (ok === undefined) {
      ok = passesFilters(filters, symbols.traceback(s), cwd);
      verdict.set(s, ok);
    }
    return ok ? s : -1;
  };
}

/**
 * Each stack without the frames matching any of the glob patterns (matched
 * as Filter matches a frame's file: recorded path and path relative to the
 * traced cwd; builtins stay, folded into whichever caller is left). As with
 * pprof's -hide, a stack left with no script frame is dropped (-1).
 */
export function hideSelection(symbols: SymbolTable, patterns: readonly string[], cwd: string): StackSelection {
  if (patterns.length === 0) return KEEP_ALL;
  const filters = patterns.map((p) => new Filter(false, p));
  const hidden = (frameId: number): boolean => {
    const f = symbols.frame(frameId);
    return !f.builtin && filters.some((flt) => flt.matchesFrame(f, cwd));
  };
  const mapped = new Map<number, number>();
  return (s) => {
    let m = mapped.get(s);
    if (m === undefined) {
      const frames = symbols.stackFrames(s);
      const left = Array.from(frames).filter((f) => !hidden(f));
      const hadScript = frames.some((f) => !symbols.frame(f).builtin);
      const hasScript = left.some((f) => !symbols.frame(f).builtin);
      m = left.length === frames.length ? s : hadScript && !hasScript ? -1 : symbols.internStack(left);
      mapped.set(s, m);
    }
    return m;
  };
}

/** `first`, then `second` on what it keeps. */
export function chainSelections(first: StackSelection, second: StackSelection): StackSelection {
  if (first === KEEP_ALL) return second;
  if (second === KEEP_ALL) return first;
  return (s) => {
    const m = first(s);
    return m < 0 ? -1 : second(m);
  };
}
