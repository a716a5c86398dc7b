// Where the preload's admin endpoint listens; small, so the preload can check it eagerly.
import path from 'node:path';
import { OptionError } from '../options';

export type AdminAddress =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string };

/**
 * "127.0.0.1:9229", "localhost:0", "[::1]:8080", a bare port (loopback), or
 * "unix:/run/app/alloctrace.sock" (a relative path is taken from the cwd).
 */
export function parseAdminAddress(text: string): AdminAddress {
  const spec = text.trim();
  if (spec.startsWith('unix:')) {
    const file = spec.slice('unix:'.length);
    if (file === '' || file.includes('\0')) throw new OptionError(`ALLOCTRACE_HTTP=unix: needs a socket path, not "${text}"`);
    return { kind: 'unix', path: path.resolve(file) };
  }
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([\w.-]+)):(\d{1,5})$/.exec(spec) ?? /^()()(\d{1,5})$/.exec(spec);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new OptionError(`ALLOCTRACE_HTTP must be host:port (port 0 picks a free one) or unix:/path, not "${text}"`);
  }
  return { kind: 'tcp', host: m[1] || m[2] || '127.0.0.1', port };
}

/** Whether only this host can reach the address: a unix socket, or a loopback host. */
export function isLocalOnly(address: AdminAddress): boolean {
  if (address.kind === 'unix') return true;
  const host = address.host.toLowerCase();
  if (host === 'localhost') return true;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return host.startsWith('127.');
  if (host.includes(':')) return /^(0{0,4}:){2,7}0{0,3}1$/.test(host) || /^::ffff:127\.[\d.]+$/.test(host);
  return false; // another name may resolve to any interface
}

/** For messages: "127.0.0.1:8080", "[::1]:8080", "unix:/run/app.sock". */
export function addressText(address: AdminAddress): string {
  if (address.kind === 'unix') return `unix:${address.path}`;
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}
