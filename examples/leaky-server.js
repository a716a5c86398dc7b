'use strict';
// A small JSON service with the leak of a real case: a debug-toolbar log
// handler keeps every formatted log record in a module-level list. Each
// request also builds a large transient result that is garbage as soon as
// the response is sent, and start-up loads a big lookup table that stays.
//
// It drives itself: it listens on a free loopback port, sends REQUESTS
// requests to itself, prints a line and exits.
const http = require('node:http');

const REQUESTS = Number(process.env.REQUESTS || 12000);

// Loaded once at start-up and kept on purpose.
const geoTable = loadGeoTable();
function loadGeoTable() {
  const table = new Map();
  for (let i = 0; i < 40000; i++) table.set(`10.${i >> 8}.${i & 255}.0/24`, { country: 'XX', asn: 64512 + (i % 1000) });
  return table;
}

// The debug toolbar's panel: one entry per log record, never trimmed.
const debugPanelRecords = [];
function debugToolbarHandler(record) {
  debugPanelRecords.push(formatRecord(record));
}
function formatRecord(record) {
  return `${new Date(record.time).toISOString()} ${record.level} ${record.message} ${JSON.stringify(record.fields)}`;
}

const logger = {
  handlers: [debugToolbarHandler],
  info(message, fields) {
    const record = { time: Date.now(), level: 'INFO', message, fields };
    for (const handler of this.handlers) handler(record);
  },
};

// Per request: a large intermediate result that dies with the request.
function buildReport(seed) {
  const rows = [];
  for (let i = 0; i < 2000; i++) rows.push({ id: seed * 2000 + i, score: (i * 7919) % 1000, tags: ['a', 'b', String(i)] });
  return rows.filter((r) => r.score > 990).map((r) => r.id);
}

function handleRequest(req, res) {
  const top = buildReport(Number(req.url.slice(1)) || 0);
  logger.info('handled request', { path: req.url, headers: req.headers, top, region: geoTable.get('10.0.1.0/24') });
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ top }));
}

// Module state stays reachable from the module cache, as in any real service.
module.exports = { logger, geoTable, debugPanelRecords };

const server = http.createServer(handleRequest);
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const get = (path) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
  const started = Date.now();
  for (let i = 0; i < REQUESTS; i += 4) await Promise.all([get(`/${i}`), get(`/${i + 1}`), get(`/${i + 2}`), get(`/${i + 3}`)]);
  agent.destroy();
  server.close();
  console.log(`leaky-server: served ${REQUESTS} requests in ${Date.now() - started} ms; ` +
    `the debug panel now holds ${debugPanelRecords.length} records`);
});
