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
}

const MAX_LIMIT = 1000;
const NAME = /^[\w.:@/-]{1,100}$/;

function flag(name: string, value: string): boolean {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw new BadRequest(`${name} must be 1 or 0`);
}

/** `allowed`: the parameters this endpoint takes; `gcDefault`: whether it GCs unless told. */
export function parseQuery(params: URLSearchParams, allowed: readonly string[], gcDefault: boolean): Query {
  const q: Query = { groupBy: 'lineno', limit: 10, gc: gcDefault, cumulative: false, name: undefined };
  const seen = new Set<string>();
  for (const [key, value] of params) {
    if (!allowed.includes(key)) {
      throw new BadRequest(`unknown parameter ${JSON.stringify(key.slice(0, 40))}; this endpoint takes ${allowed.join(', ') || 'none'}`);
    }
    if (seen.has(key)) throw new BadRequest(`${key} given twice`);
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
      default:
        throw new BadRequest(`unknown parameter ${key}`);
    }
  }
  if (q.cumulative && q.groupBy === 'traceback') throw new BadRequest('cumulative does not apply to groupBy=traceback');
  return q;
}
