// `leaks`: which sites keep growing across the whole run. What people did by
// hand with tracemalloc (compare snapshots again and again until the same
// suspect stays on top), done over every poll at once: each site's live-size
// series, its trend (least-squares slope), how well a straight line fits it,
// and in how many windows between polls it grew. A site that grows with
// traffic ranks above one loaded once at start-up and above a spike that
// went away.
import { Filter } from '../model/filter';
import { KeyType } from '../model/statistic';
import { Traceback } from '../model/traceback';
import { OpenOptions, Replay, SiteSeries } from '../replay/replay';

export interface LeaksOptions {
  groupBy: KeyType;
  /** Sites shown. */
  top: number;
  include: string[];
  exclude: string[];
  allFrames: boolean;
  hide: string[];
  /** At most this many points of each series (spread over the polls). */
  points: number;
  json: boolean;
}

export const DEFAULT_LEAKS_OPTIONS: Readonly<LeaksOptions> = {
  groupBy: 'lineno', top: 10, include: [], exclude: [], allFrames: false, hide: [], points: 200, json: false,
};

/**
 * growing: a sustained upward trend; load-once: most of it was there early
 * and it stayed flat; spike: it went well above where it ended; shrinking:
 * downward; steady: none of these.
 */
export type SiteKind = 'growing' | 'load-once' | 'spike' | 'shrinking' | 'steady';

export interface LeakSite {
  keyType: KeyType;
  traceback: Traceback;
  kind: SiteKind;
  /** Least-squares trend of the live size, bytes per second. */
  slope: number;
  /** How well that line fits the series (coefficient of determination, 0..1). */
  r2: number;
  /** Windows (between consecutive points) in which the live size grew... */
  grewIn: number;
  /** ...of this many. */
  windows: number;
  /** Estimated live bytes, objects and samples at the last point. */
  finalSize: number;
  finalCount: number;
  finalSamples: number;
  /** The largest live size at any point. */
  maxSize: number;
  /**
   * The ranking's measure, in bytes: the growth the trend accounts for over
   * the run, weighted by the fit and by the share of windows that grew.
   * Near 0 for a flat site, a step at start-up or a spike.
   */
  score: number;
  /** Estimated live bytes at each point. */
  series: Float64Array;
}

export interface LeaksResult {
  files: string[];
  /** Which timeline (file) this ranking is of; several processes are ranked one by one. */
  source: string;
  options: LeaksOptions;
  cwd: string;
  /** Time of each point since the trace's start. */
  timeNs: Float64Array;
  durationNs: number;
  polls: number;
  /** Every site with live samples at some point, ranked. */
  sites: LeakSite[];
  warnings: string[];
}

/** Least squares of y on x: slope and r² (0 when y is constant or there are fewer than 2 points). */
export function linearFit(x: ArrayLike<number>, y: ArrayLike<number>): { slope: number; r2: number } {
  const n = Math.min(x.length, y.length);
  if (n < 2) return { slope: 0, r2: 0 };
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return { slope: 0, r2: 0 };
  return { slope: sxy / sxx, r2: (sxy * sxy) / (sxx * syy) };
}

/** Fit and growth thresholds of the `growing` kind. */
const GROWING_R2 = 0.5;
const GROWING_SHARE = 0.25;
/** `load-once`: the first fifth of the run already held this share of the final size. */
const EARLY_PART = 0.2;
const EARLY_SHARE = 0.8;
/** `spike`: the peak was at least this many times the final size. */
const SPIKE_RATIO = 2;

function classify(site: Omit<LeakSite, 'kind'>, timeNs: Float64Array): SiteKind {
  const { series } = site;
  const n = series.length;
  if (site.score > 0 && site.r2 >= GROWING_R2 && site.windows > 0 && site.grewIn / site.windows >= GROWING_SHARE) return 'growing';
  if (site.maxSize > 0 && site.maxSize >= SPIKE_RATIO * site.finalSize) return 'spike';
  if (n > 0 && site.finalSize > 0) {
    const start = timeNs[0];
    const span = timeNs[n - 1] - start;
    let early = 0;
    for (let i = 0; i < n && timeNs[i] - start <= EARLY_PART * span; i++) early = Math.max(early, series[i]);
    if (early >= EARLY_SHARE * site.finalSize) return 'load-once';
  }
  if (site.slope < 0 && site.r2 >= GROWING_R2) return 'shrinking';
  return 'steady';
}

/** One site's figures from its series. */
export function measureSite(keyType: KeyType, traceback: Traceback, timeNs: Float64Array, size: Float64Array,
  count: Float64Array, samples: Float64Array): LeakSite {
  const n = size.length;
  const seconds = Float64Array.from(timeNs, (t) => t / 1e9);
  const { slope, r2 } = linearFit(seconds, size);
  let grewIn = 0;
  let maxSize = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && size[i] > size[i - 1]) grewIn++;
    if (size[i] > maxSize) maxSize = size[i];
  }
  const windows = Math.max(0, n - 1);
  const span = n > 1 ? seconds[n - 1] - seconds[0] : 0;
  const score = slope > 0 && windows > 0 ? slope * span * r2 * (grewIn / windows) : 0;
  const measured = {
    keyType, traceback, slope, r2, grewIn, windows, maxSize, score, series: size,
    finalSize: n > 0 ? size[n - 1] : 0, finalCount: n > 0 ? count[n - 1] : 0, finalSamples: n > 0 ? samples[n - 1] : 0,
  };
  return { ...measured, kind: classify(measured, timeNs) };
}

const KIND_ORDER: Record<SiteKind, number> = { growing: 0, 'load-once': 1, steady: 1, spike: 1, shrinking: 1 };

/**
 * Growing sites first, by score (the suspects); then the rest by what they
 * hold at the end, then by score.
 */
export function rankSites(sites: LeakSite[]): LeakSite[] {
  return sites.sort((a, b) => {
    const kind = KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
    if (kind !== 0) return kind;
    return a.kind === 'growing' ? b.score - a.score || b.finalSize - a.finalSize : b.finalSize - a.finalSize || b.score - a.score;
  });
}

function filtersOf(options: LeaksOptions): Filter[] {
  const opts = { allFrames: options.allFrames };
  return [...options.include.map((p) => new Filter(true, p, opts)), ...options.exclude.map((p) => new Filter(false, p, opts))];
}

/** The ranking of one replay's sites. */
export function leaksOf(files: readonly string[], replay: Replay, options: LeaksOptions): LeaksResult {
  const series: SiteSeries = replay.siteSeries(options.groupBy, {
    filters: filtersOf(options), hide: options.hide, maxPoints: options.points,
  });
  const sites = series.sites.map((s) => measureSite(options.groupBy, s.traceback, series.timeNs, s.size, s.count, s.samples));
  const warnings = [...replay.warnings];
  if (series.timeNs.length < 3) {
    warnings.push(`${replay.name}: only ${replay.polls} polls: too few to tell growth from noise (trace longer, or poll more often with ALLOCTRACE_POLL_MS)`);
  }
  return {
    files: [...files], source: replay.name, options, cwd: replay.cwd, timeNs: series.timeNs,
    durationNs: replay.durationNs, polls: replay.polls, sites: rankSites(sites), warnings,
  };
}

/** One ranking per timeline (process) among `files`. */
export function buildLeaks(files: readonly string[], options: LeaksOptions, open: OpenOptions = {}): LeaksResult[] {
  return Replay.openEach(files, open).map((replay) => leaksOf(files, replay, options));
}
