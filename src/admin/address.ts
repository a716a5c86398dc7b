// Where the preload's admin endpoint listens; small, so the preload can check it eagerly.
import { OptionError } from '../options';

export interface AdminAddress {
  host: string;
  port: number;
}

/** "127.0.0.1:9229", "localhost:0", "[::1]:8080", or a bare port (loopback). */
export function parseAdminAddress(text: string): AdminAddress {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([\w.-]+)):(\d{1,5})$/.exec(text.trim()) ?? /^()()(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new OptionError(`ALLOCTRACE_HTTP must be host:port (port 0 picks a free one), not "${text}"`);
  }
  return { host: m[1] || m[2] || '127.0.0.1', port };
}
