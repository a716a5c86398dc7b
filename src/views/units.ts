// Numbers for people: sizes like tracemalloc prints them, times in seconds.

/** tracemalloc's _format_size: `12.3 KiB`, `1234 B`, `+800 KiB` with sign. */
export function formatSize(bytes: number, sign = false): string {
  let size = bytes;
  for (const unit of ['B', 'KiB', 'MiB', 'GiB', 'TiB']) {
    if (Math.abs(size) < 100 && unit !== 'B') return `${signed(size.toFixed(1), size, sign)} ${unit}`;
    if (Math.abs(size) < 10 * 1024 || unit === 'TiB') return `${signed(size.toFixed(0), size, sign)} ${unit}`;
    size /= 1024;
  }
  return `${bytes} B`;
}

function signed(text: string, value: number, sign: boolean): string {
  if (!sign || value < 0 || text.startsWith('-')) return text;
  return `+${text}`;
}

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
