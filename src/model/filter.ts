// tracemalloc's Filter: keep or drop traces by the file (and line) of their frames.
import { Frame } from './frame';
import { displayFile } from './paths';
import { Traceback } from './traceback';

/**
 * fnmatch-style glob → anchored RegExp. As in Python's fnmatch, `*` and `?`
 * also match '/', `[seq]` and `[!seq]` are character classes, and matching is
 * case-sensitive.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      re += '[\\s\\S]*';
    } else if (c === '?') {
      re += '[\\s\\S]';
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('!')) {
        negate = true;
        body = body.slice(1);
      }
      body = body.replace(/[\\\]^]/g, '\\$&');
      re += `[${negate ? '^' : ''}${body}]`;
      i = close;
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

export interface FilterOptions {
  /** Only frames of functions defined on this line (V8 gives the definition line). */
  lineno?: number | null;
  /** Check every frame, not only the most recent one. */
  allFrames?: boolean;
}

export class Filter {
  readonly inclusive: boolean;
  readonly filenamePattern: string;
  readonly lineno: number | null;
  readonly allFrames: boolean;
  private readonly regexp: RegExp;

  /**
   * inclusive: keep only traces that match (any of the inclusive filters);
   * exclusive: drop traces that match. The pattern is matched against the
   * file as recorded (absolute path or file:// URL) and as shown (relative to
   * the traced process's cwd), so `src/*.js` and `*\/src/*.js` both work.
   */
  constructor(inclusive: boolean, filenamePattern: string, options: FilterOptions = {}) {
    this.inclusive = inclusive;
    this.filenamePattern = filenamePattern;
    this.lineno = options.lineno ?? null;
    this.allFrames = options.allFrames ?? false;
    this.regexp = globToRegExp(filenamePattern);
  }

  /** Does the frame match the pattern (and line), regardless of inclusive? */
  matchesFrame(frame: Frame, cwd = ''): boolean {
    if (this.lineno !== null && frame.line !== this.lineno) return false;
    if (this.regexp.test(frame.file)) return true;
    const shown = displayFile(frame.file, cwd);
    return shown !== frame.file && this.regexp.test(shown);
  }

  /**
   * tracemalloc's Filter._match: true when the trace passes this filter.
   * Frames are the folded ones (builtins belong to their caller).
   */
  passes(traceback: Traceback, cwd = ''): boolean {
    const frames = traceback.folded;
    let matched: boolean;
    if (this.allFrames) {
      matched = frames.some((f) => this.matchesFrame(f, cwd));
    } else {
      matched = frames.length > 0 && this.matchesFrame(frames[0], cwd);
    }
    return matched === this.inclusive;
  }
}

/** tracemalloc's Snapshot._filter_trace: any inclusive filter must pass, every exclusive one too. */
export function passesFilters(filters: readonly Filter[], traceback: Traceback, cwd = ''): boolean {
  const inc = filters.filter((f) => f.inclusive);
  if (inc.length > 0 && !inc.some((f) => f.passes(traceback, cwd))) return false;
  return filters.every((f) => f.inclusive || f.passes(traceback, cwd));
}
