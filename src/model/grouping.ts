// Group samples by key: first per stack (few distinct stacks, many samples),
// then each stack's totals go to its key(s).
import { Frame } from './frame';
import { KeyType, sortStatistics, Statistic } from './statistic';
import { SymbolTable } from './symbols';
import { Traceback } from './traceback';

/** One key a stack contributes to, with the traceback that represents it. */
interface Keyed {
  key: string;
  traceback: () => Traceback;
}

function frameKey(keyType: KeyType, f: Frame): string {
  switch (keyType) {
    case 'lineno':
      return `${f.file}\0${f.line}`;
    case 'function':
      return `${f.file}\0${f.function}\0${f.line}\0${f.column}`;
    default:
      return f.file;
  }
}

function frameTraceback(keyType: KeyType, f: Frame): Traceback {
  if (keyType === 'filename') return new Traceback([new Frame('', f.file, 0, 0, f.builtin)]);
  return new Traceback([f]);
}

/** The key(s) of a stack: its folded leaf's, or (cumulative) each distinct one among its frames once. */
export function keysOf(tb: Traceback, keyType: KeyType, cumulative: boolean): Keyed[] {
  if (keyType === 'traceback') {
    return [{ key: tb.folded.map((f) => f.id).join('\n'), traceback: () => tb }];
  }
  const frames = cumulative ? tb.folded : tb.folded.slice(0, 1);
  if (frames.length === 0) return [{ key: '', traceback: () => new Traceback([]) }];
  const seen = new Set<string>();
  const out: Keyed[] = [];
  for (const f of frames) {
    const key = frameKey(keyType, f);
    if (seen.has(key)) continue; // recursion: a key counts once per sample
    seen.add(key);
    out.push({ key, traceback: () => frameTraceback(keyType, f) });
  }
  return out;
}

export interface SampleColumns {
  stacks: Uint32Array;
  sampleSizes: Uint32Array;
  objects: Uint32Array;
}

/** Totals per stack id. */
/** Estimated totals per stack id (only stacks with samples are listed in `stackIds`). */
export interface StackTotals {
  stackIds: number[];
  size: Float64Array;
  count: Float64Array;
  samples: Float64Array;
}

export function totalsByStack(symbols: SymbolTable, cols: SampleColumns): StackTotals {
  const n = symbols.stackCount;
  const size = new Float64Array(n);
  const count = new Float64Array(n);
  const samples = new Float64Array(n);
  const { stacks, sampleSizes, objects } = cols;
  for (let i = 0; i < stacks.length; i++) {
    const s = stacks[i];
    size[s] += sampleSizes[i] * objects[i];
    count[s] += objects[i];
    samples[s] += 1;
  }
  const stackIds: number[] = [];
  for (let s = 0; s < n; s++) if (samples[s] > 0) stackIds.push(s);
  return { stackIds, size, count, samples };
}

export function groupStatistics(
  symbols: SymbolTable, cols: SampleColumns, keyType: KeyType, cumulative: boolean,
): Statistic[] {
  const totals = totalsByStack(symbols, cols);
  interface Group { size: number; count: number; samples: number; repSize: number; rep: () => Traceback }
  const groups = new Map<string, Group>();
  for (const s of totals.stackIds) {
    const size = totals.size[s];
    const count = totals.count[s];
    const samples = totals.samples[s];
    for (const k of keysOf(symbols.traceback(s), keyType, cumulative)) {
      const g = groups.get(k.key);
      if (!g) {
        groups.set(k.key, { size, count, samples, repSize: size, rep: k.traceback });
      } else {
        g.size += size;
        g.count += count;
        g.samples += samples;
        // The biggest contributor represents the key (its function name, its full stack).
        if (size > g.repSize) {
          g.repSize = size;
          g.rep = k.traceback;
        }
      }
    }
  }
  const stats: Statistic[] = [];
  for (const [key, g] of groups) stats.push(new Statistic(g.rep(), g.size, g.count, g.samples, keyType, key));
  return sortStatistics(stats);
}
