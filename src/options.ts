// Tracer options: defaults, validation and the file name pattern, shared by
// the preload (environment variables) and the in-process API.
import fs from 'node:fs';
import path from 'node:path';
import { ARGV_MODES, ArgvMode } from './redact';

export interface TracerOptions {
  /** Trace file; %p pid, %t thread id, %h host, %d start time. Omit for in-memory only. */
  file?: string;
  /** Average bytes between samples (V8's sampling interval). */
  interval: number;
  /** Frames kept per sample (the traceback limit). */
  depth: number;
  /** Milliseconds between polls of V8's sampler. */
  pollMs: number;
  /** Turn off TurboFan inlining so allocations are charged to the exact function. */
  precise: boolean;
  /** A full GC before the exit snapshot, so it holds only what is still referenced (slow on huge heaps). */
  exitGc?: boolean;
  /**
   * Claim the file: if another process of the same run already writes it,
   * write FILE.<pid>.atrace instead (else an existing file's next free number).
   */
  claim?: boolean;
  /** How much of the command line the Header records (default: secrets redacted). */
  argv?: ArgvMode;
  /** Start the next file once one holds this many bytes (0: never). */
  maxBytes?: number;
  /** Files of one name kept when rotating; older ones this process wrote are deleted (0: all). */
  keep?: number;
}

export const DEFAULTS: Readonly<TracerOptions> = {
  file: 'alloctrace-%p.atrace',
  interval: 512 * 1024,
  depth: 64,
  pollMs: 1000,
  precise: false,
  maxBytes: 1024 ** 3,
  keep: 5,
};

export class OptionError extends Error {}

const LIMITS = {
  interval: { min: 1, max: 2 ** 31 - 1 },
  depth: { min: 1, max: 1024 },
  pollMs: { min: 10, max: 3_600_000 },
  maxBytes: { min: 0, max: Number.MAX_SAFE_INTEGER },
  keep: { min: 0, max: 1_000_000 },
};

export function checkNumber(name: keyof typeof LIMITS, value: number, label: string = name): number {
  const { min, max } = LIMITS[name];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new OptionError(`${label} must be a whole number from ${min} to ${max}, not ${String(value)}`);
  }
  return value;
}

const UNIT_BYTES: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "524288", "512k", "512KiB", "1m", "1g" → bytes, checked against the limits of `name` (default: the interval's). */
export function parseBytes(text: string, label: string, name: 'interval' | 'maxBytes' = 'interval'): number {
  const m = /^\s*(\d+)\s*(?:([kmg])(?:b|ib)?)?\s*$/i.exec(text);
  if (!m) throw new OptionError(`${label} must be a byte count such as 524288, 512k or 1g, not "${text}"`);
  return checkNumber(name, Number(m[1]) * UNIT_BYTES[(m[2] ?? '').toLowerCase()], label);
}

export function parseWhole(text: string, name: 'depth' | 'pollMs' | 'keep', label: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new OptionError(`${label} must be a whole number, not "${text}"`);
  return checkNumber(name, Number(text), label);
}

export function parseFlag(text: string, label: string): boolean {
  const t = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(t)) return false;
  throw new OptionError(`${label} must be 1 or 0, not "${text}"`);
}

export function parseArgvMode(text: string, label: string): ArgvMode {
  const t = text.trim().toLowerCase();
  if ((ARGV_MODES as readonly string[]).includes(t)) return t as ArgvMode;
  throw new OptionError(`${label} must be one of ${ARGV_MODES.join(', ')}, not "${text}"`);
}

function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * A pattern naming a directory (an existing one, or a name ending in /)
 * means the default file name in it.
 */
export function withDefaultName(pattern: string, defaultName: string = DEFAULTS.file as string): string {
  let isDirectory = pattern.endsWith('/') || pattern.endsWith(path.sep);
  if (!isDirectory) {
    try {
      isDirectory = fs.statSync(path.resolve(expandCodes(pattern, 0, new Date()))).isDirectory();
    } catch {
      // Not there yet: a file name.
    }
  }
  return isDirectory ? path.join(pattern, defaultName) : pattern;
}

/**
 * Fills in %p, %t, %h, %d. A Worker whose pattern has no %t gets its thread id
 * added, so that threads never write over each other's file.
 */
export function expandFilePattern(pattern: string, threadId: number, now: Date = new Date()): string {
  let p = pattern;
  if (threadId !== 0 && !p.includes('%t')) p = insertBeforeExtension(p, '.t%t');
  return path.resolve(expandCodes(p, threadId, now));
}

function expandCodes(p: string, threadId: number, now: Date): string {
  return p.replace(/%([pthd%])/g, (_, c: string) => {
    switch (c) {
      case 'p': return String(process.pid);
      case 't': return String(threadId);
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      case 'h': return (require('node:os') as typeof import('node:os')).hostname();
      case 'd': return timestamp(now);
      default: return '%';
    }
  });
}

/** "trace.atrace" + ".%p" → "trace.%p.atrace". */
export function insertBeforeExtension(file: string, part: string): string {
  const ext = path.extname(file);
  return ext ? file.slice(0, -ext.length) + part + ext : file + part;
}
