// The preload's own admin server (ALLOCTRACE_HTTP with ALLOCTRACE_HTTP_TOKEN).
// It never keeps the app alive, never throws into it, and never takes the
// app's port: it binds after the app's first turn, and if the app asks for the
// same port or socket later (seen on Node's net.server.listen diagnostics
// channel, before the app binds), it lets go of it first. Whatever goes wrong
// is one warning: the endpoint is off, tracing and the app go on.
import dc from 'node:diagnostics_channel';
import http from 'node:http';
import path from 'node:path';
import { AdminAddress, addressText, isLocalOnly } from './address';
import { warn } from '../warn';
import { adminHandler } from './handler';
import { listenUnix } from './unix-socket';

const LISTEN_CHANNEL = 'tracing:net.server.listen:asyncStart';

interface ListenMessage {
  server?: unknown;
  options?: { port?: unknown; path?: unknown };
}

/** Whether the app's listen() asks for the endpoint's port or socket. */
function wantsOurs(options: ListenMessage['options'], address: AdminAddress, boundPort: number | undefined): boolean {
  if (options === null || typeof options !== 'object') return false;
  if (address.kind === 'unix') return typeof options.path === 'string' && path.resolve(options.path) === address.path;
  const port = typeof options.port === 'number' || typeof options.port === 'string' ? Number(options.port) : 0;
  return port > 0 && (port === address.port || port === boundPort);
}

export function serveAdmin(address: AdminAddress, token: string): void {
  const server = http.createServer(adminHandler({ token }));
  server.on('connection', (socket) => socket.unref());
  const where = addressText(address);
  let state: 'waiting' | 'binding' | 'on' | 'off' = 'waiting';
  const isOff = (): boolean => state === 'off'; // a function: state changes across awaits
  let boundPort: number | undefined;
  let removeSocket = (): void => undefined;

  /** `message`: one line that ends saying the endpoint is off and the rest goes on. */
  const stop = (message: string): void => {
    if (state === 'off') return;
    state = 'off';
    dc.unsubscribe(LISTEN_CHANNEL, onAppListen);
    process.off('exit', atExit);
    server.close(); // releases the port at once (the app may bind it in this tick)
    removeSocket();
    warn(message);
  };
  const cannotListen = (err: unknown): void => stop(`the admin endpoint cannot listen on ${where} ` +
    `(${err instanceof Error ? err.message : String(err)}); it is off, tracing and the app go on`);
  function onAppListen(message: unknown): void {
    const { server: other, options } = message as ListenMessage;
    if (other === server || !wantsOurs(options, address, boundPort)) return;
    stop(`the app listens on ${where} itself: the admin endpoint let go of it and is off (choose another ` +
      'ALLOCTRACE_HTTP); tracing and the app go on');
  }
  function atExit(): void {
    removeSocket();
  }
  // Always listened to: an 'error' with no listener would be thrown into the app.
  server.on('error', cannotListen);

  const bind = async (): Promise<void> => {
    state = 'binding';
    if (address.kind === 'unix') {
      removeSocket = await listenUnix(server, address.path, isOff);
    } else {
      await new Promise<void>((resolve) => server.listen(address.port, address.host, resolve));
    }
    if (isOff()) return removeSocket();
    state = 'on';
    process.on('exit', atExit); // the socket file goes with the process
    const bound = server.address();
    if (address.kind === 'unix') {
      warn(`admin endpoint on unix:${address.path}`);
    } else if (bound !== null && typeof bound === 'object') {
      boundPort = bound.port;
      const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
      const exposed = isLocalOnly(address) ? '' : ' (reachable from other hosts, over plain HTTP: the token is not encrypted)';
      warn(`admin endpoint on http://${host}:${bound.port}${exposed}`);
    }
  };

  dc.subscribe(LISTEN_CHANNEL, onAppListen);
  server.unref();
  // After the app's first turn: an app that listens at start-up has asked for its port by then.
  setImmediate(() => {
    if (state !== 'waiting') return;
    bind().catch(cannotListen);
  }).unref();
}
