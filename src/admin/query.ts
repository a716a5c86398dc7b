// Strict parsing of the admin endpoint's query strings: anything odd is a
// clear 400, never a guess.
import { KEY_TYPES, KeyType } from '../model/statistic';

export class BadRequest extends Error {}

export interface Query {
  groupBy: KeyType;
  limit: number;
  gc: boolean;
  cumulative: boolean;
  name: string | undefined;
  /** GET /largest: show values in previews. */
  values: boolean;
  /** POST /suspects: the window, in seconds. */
  seconds: number;
  /** GET /retainers: the constructor's name; undefined: the program's type holding the most. */
  type: string | undefined;
  /** Frames to drop from every stack before grouping (repeatable `hide`). */
  hide: string[];
  /** POST /precise: the state asked for; undefined when not given. */
  on: boolean | undefined;
  /** POST /baseline: switch precise mode on for the window (default) or not. */
  precise: boolean;
  /** POST /baseline: how long precise mode stays on, in ms. */
  preciseForMs: number;
  /** POST /suspects: only the objects allocated at this site (a function, a file or file:line). */
  site: string | undefined;
  /** Heap walks: take one even when it would not fit (walk-guard.ts). */
  force: boolean;
  /** GET /census, /growth: full, counts, or auto (full when it fits). */
  mode: 'auto' | 'full' | 'counts';
}

/** How long /baseline keeps precise mode on unless told: long enough to load the app and look. */
export const DEFAULT_PRECISE_FOR_MS = 10 * 60 * 1000;
const MAX_PRECISE_FOR_MS = 24 * 3600 * 1000;
const MAX_HIDE = 20;

const MAX_LIMIT = 1000;
const NAME = /^[\w.:@/-]{1,100}$/;
const DURATION = /^(\d{1,9}(?:\.\d{1,3})?)(ms|s|m|min|h)?$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60000, min: 60000, h: 3600000 };

/** `600` (seconds), `90s`, `10m`, `1h`, `1500ms` → ms. */
function duration(name: string, value: string): number {
  const m = DURATION.exec(value);
  const ms = m ? Number(m[1]) * DURATION_MS[m[2] ?? 's'] : NaN;
  if (!(ms >= 1000 && ms <= MAX_PRECISE_FOR_MS)) {
    throw new BadRequest(`${name} must be a duration from 1s to 24h such as 600, 90s, 10m or 1h`);
  }
  return ms;
}

function flag(name: string, value: string): boolean {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw new BadRequest(`${name} must be 1 or 0`);
}

/** `allowed`: the parameters this endpoint takes; `gcDefault`: whether it GCs unless told. */
export function parseQuery(params: URLSearchParams, allowed: readonly string[], gcDefault: boolean): Query {
  const q: Query = {
    groupBy: 'lineno', limit: 10, gc: gcDefault, cumulative: false, name: undefined, values: false, seconds: 60, type: undefined, hide: [], on: undefined,
    precise: true, preciseForMs: DEFAULT_PRECISE_FOR_MS, force: false, mode: 'auto', site: undefined,
  };
  const seen = new Set<string>();
  for (const [key, value] of params) {
    if (!allowed.includes(key)) {
      throw new BadRequest(`unknown parameter ${JSON.stringify(key.slice(0, 40))}; this endpoint takes ${allowed.join(', ') || 'none'}`);
    }
    if (seen.has(key) && key !== 'hide') throw new BadRequest(`${key} given twice`);
    seen.add(key);
    switch (key) {
      case 'groupBy':
        if (!(KEY_TYPES as readonly string[]).includes(value)) throw new BadRequest(`groupBy must be one of ${KEY_TYPES.join(', ')}`);
        q.groupBy = value as KeyType;
        break;
      case 'limit':
        if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > MAX_LIMIT) {
          throw new BadRequest(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
        }
        q.limit = Number(value);
        break;
      case 'gc':
        q.gc = flag('gc', value);
        break;
      case 'cumulative':
        q.cumulative = flag('cumulative', value);
        break;
      case 'name':
        if (!NAME.test(value)) throw new BadRequest('name must be 1 to 100 letters, digits or . : @ / - _');
        q.name = value;
        break;
      case 'values':
        q.values = flag('values', value);
        break;
      case 'seconds':
        if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > 3600) throw new BadRequest('seconds must be a whole number from 1 to 3600');
        q.seconds = Number(value);
        break;
      case 'type':
        if (!/^[\w$.:@ /-]{1,100}$/.test(value)) throw new BadRequest('type must be a constructor name of 1 to 100 characters');
        q.type = value;
        break;
      case 'hide':
        if (value.length < 1 || value.length > 200) throw new BadRequest('hide must be a glob of 1 to 200 characters');
        if (q.hide.length >= MAX_HIDE) throw new BadRequest(`hide given more than ${MAX_HIDE} times`);
        q.hide.push(value);
        break;
      case 'on':
        q.on = flag('on', value);
        break;
      case 'precise':
        q.precise = flag('precise', value);
        break;
      case 'preciseFor':
        q.preciseForMs = duration('preciseFor', value);
        break;
      case 'site':
        if (!/^[\w$.:@ /()-]{1,200}$/.test(value)) throw new BadRequest('site must be a function name, a file or file:line of 1 to 200 characters');
        q.site = value;
        break;
      case 'force':
        q.force = flag('force', value);
        break;
      case 'mode':
        if (value !== 'auto' && value !== 'full' && value !== 'counts') throw new BadRequest('mode must be auto, full or counts');
        q.mode = value;
        break;
      default:
        throw new BadRequest(`unknown parameter ${key}`);
    }
  }
  if (q.cumulative && q.groupBy === 'traceback') throw new BadRequest('cumulative does not apply to groupBy=traceback');
  return q;
}
