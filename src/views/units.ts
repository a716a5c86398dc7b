// Numbers for people: sizes like tracemalloc prints them, times in seconds.
export { formatSize } from '../model/describe';


/** `+12`, `-3`, `+0`. */
export function formatDelta(n: number): string {
  return n < 0 ? String(n) : `+${n}`;
}

/** ns → `12.3 s` (ms below a second). */
export function formatTime(ns: number): string {
  const s = ns / 1e9;
  if (Math.abs(s) < 1) return `${(ns / 1e6).toFixed(0)} ms`;
  if (Math.abs(s) < 100) return `${s.toFixed(1)} s`;
  return `${s.toFixed(0)} s`;
}
