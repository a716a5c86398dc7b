// Series as one line of block characters, for terminals.
const BARS = '▁▂▃▄▅▆▇█';

/** Averages `values` into at most `width` buckets. */
export function resample(values: ArrayLike<number>, width: number): number[] {
  const n = values.length;
  if (n <= width) return Array.from(values);
  const out: number[] = [];
  for (let b = 0; b < width; b++) {
    const lo = Math.floor((b * n) / width);
    const hi = Math.max(lo + 1, Math.floor(((b + 1) * n) / width));
    let sum = 0;
    for (let i = lo; i < hi; i++) sum += values[i];
    out.push(sum / (hi - lo));
  }
  return out;
}

/**
 * `▁▂▅█`: each value's height between `min` and `max` (default: the
 * values' own); a series that never moves is a flat line of the lowest bar.
 */
export function sparkline(values: ArrayLike<number>, width: number, min?: number, max?: number): string {
  const v = resample(values, width);
  const lo = min ?? Math.min(...v);
  const hi = max ?? Math.max(...v);
  if (v.length === 0) return '';
  if (!(hi > lo)) return BARS[0].repeat(v.length);
  return v.map((x) => BARS[Math.min(BARS.length - 1, Math.max(0, Math.floor(((x - lo) / (hi - lo)) * (BARS.length - 1) + 0.5)))]).join('');
}

/**
 * A step series (each value holds from its time until the next) over `width`
 * equal slices of [start, end]: each slice shows the highest value held
 * during it, so a short peak is not lost between columns. Before the first
 * time, the first value.
 */
export function atTimes(times: ArrayLike<number>, values: ArrayLike<number>, width: number, start: number, end: number): number[] {
  const out: number[] = [];
  if (values.length === 0) return new Array<number>(width).fill(0);
  let i = 0;
  for (let c = 0; c < width; c++) {
    const sliceEnd = c === width - 1 ? Infinity : start + ((c + 1) / width) * (end - start);
    let high = values[i];
    while (i + 1 < times.length && times[i + 1] < sliceEnd) {
      i++;
      high = Math.max(high, values[i]);
    }
    out.push(high);
  }
  return out;
}
