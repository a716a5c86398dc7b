// `info` without a replay: the records are counted, not turned into rows.
// A trace written whole is counted from its lists' lengths alone; one with
// damage (or a live set restated after samples were seen) is read again
// matching every free to its sample, as a full replay would count it. A pipe
// or standard input cannot be read twice: those are matched from the start.
import * as fs from 'node:fs';
import { STDIN } from '../format/input';
import { TraceSource } from '../format/reader';
import { loadTrace, LoadOptions } from './load';
import { TraceInfo, traceInfo } from './replay';

function rereadable(source: TraceSource): boolean {
  if (typeof source !== 'string') return true;
  try {
    return source !== STDIN && fs.statSync(source).isFile();
  } catch {
    return true; // missing or unreadable: the load says why
  }
}

export function scanInfo(source: TraceSource | readonly TraceSource[], options: Pick<LoadOptions, 'name' | 'onProgress'> = {}): TraceInfo {
  const sources = Array.isArray(source) ? source as readonly TraceSource[] : [source as TraceSource];
  if (sources.every(rereadable)) {
    const fast = loadTrace(source, { ...options, countOnly: 'fast' });
    if (!fast.countsInexact) return traceInfo(fast);
  }
  return traceInfo(loadTrace(source, { ...options, countOnly: 'exact' }));
}
