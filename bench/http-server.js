'use strict';
// Part (b) service: a small JSON HTTP API on 127.0.0.1 (random port, printed
// as {"port": N} on stdout).
//   POST /items   parses a small JSON body, keeps it in a bounded cache
//   GET  /items   builds a JSON response of ~50 objects from the cache
//   GET  /stats   {rss, heapUsed}; POST /exit answers the stats, then exits
const { send, serveApp } = require('./app-server');

const CACHE_MAX = 2000;
const cache = new Map();
let nextId = 1;

function stats() {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, items: cache.size };
}

function addItem(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let item;
    try {
      item = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { error: 'bad json' });
    }
    if (typeof item.name !== 'string' || !Array.isArray(item.tags)) return send(res, 422, { error: 'bad item' });
    const id = nextId++;
    cache.set(id, { id, name: item.name, tags: item.tags.map(String), price: Number(item.price) || 0,
      created: Date.now() });
    if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value);
    return send(res, 201, { id, size: cache.size });
  });
}

function listItems(res) {
  const items = [];
  let id = nextId - 1;
  for (let i = 0; i < 50; i++, id--) {
    const it = cache.get(id);
    items.push(it ? { id: it.id, name: it.name.toUpperCase(), tags: it.tags.slice(0, 3), price: it.price.toFixed(2) }
      : { id: -i, name: `placeholder-${i}`, tags: [], price: '0.00' });
  }
  send(res, 200, { count: items.length, total: cache.size, items });
}

serveApp((req, res) => {
  if (req.url === '/items' && req.method === 'POST') addItem(req, res);
  else if (req.url === '/items') listItems(res);
  else return false;
  return true;
}, stats, 120000);
