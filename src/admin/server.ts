// The preload's own admin server (ALLOCTRACE_HTTP=host:port with
// ALLOCTRACE_HTTP_TOKEN). It never keeps the app alive and never throws
// into it: a bad address or a taken port is one warning.
import http from 'node:http';
import type { AdminAddress } from './address';
import { warn } from '../warn';
import { adminHandler } from './handler';

export function serveAdmin(address: AdminAddress, token: string): http.Server {
  const server = http.createServer(adminHandler({ token }));
  server.on('connection', (socket) => socket.unref());
  server.on('error', (err) => {
    warn(`the admin endpoint cannot listen on ${address.host}:${address.port}: ${err.message}; it is off, the app goes on`);
  });
  server.listen(address.port, address.host, () => {
    const bound = server.address();
    if (bound !== null && typeof bound === 'object') {
      const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
      warn(`admin endpoint on http://${host}:${bound.port}`);
    }
  });
  server.unref();
  return server;
}
