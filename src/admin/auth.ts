import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Whether the request carries `Authorization: Bearer <token>`. Both sides are
 * hashed first, so the comparison takes the same time whatever the length.
 */
export function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return false;
  const m = /^Bearer +(\S+) *$/i.exec(header);
  if (!m) return false;
  const given = createHash('sha256').update(m[1]).digest();
  const wanted = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, wanted);
}
