'use strict';
// What the bench's HTTP apps share: JSON answers, GET /stats, POST /exit
// (answers the stats, then closes), a random loopback port printed as
// {"port": N} on stdout, and never outliving the bench that started them.
const http = require('node:http');

function send(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** `route(req, res)` answers the app's own paths and returns true, or false for the rest. */
function serveApp(route, stats, maxMs) {
  const server = http.createServer((req, res) => {
    if (route(req, res)) return undefined;
    if (req.url === '/stats') return send(res, 200, stats());
    if (req.url === '/exit') {
      send(res, 200, stats());
      server.close();
      server.closeAllConnections();
      return undefined;
    }
    return send(res, 404, { error: 'not found' });
  });
  server.keepAliveTimeout = 10000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
  });
  setTimeout(() => process.exit(3), Number(process.env.BENCH_SERVER_MAX_MS || maxMs)).unref();
  return server;
}

module.exports = { send, serveApp };
