// The live admin endpoint: the Node counterpart of a "begin snapshot / show
// diff" admin view, for node:http, Express, Fastify and Koa. Every request
// needs the bearer token; every failure is a status code, never an exception
// into the host server. Requests run through one gate per process (gate.ts)
// and forced GCs are rate-limited (gc-limit.ts), so no flood of requests can
// stall the app.
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as api from '../api';
import { loadNative } from '../native';
import { DEFAULTS } from '../options';
import { endTemporaryPrecise, PreciseResult, preciseState, setPrecise } from '../precise';
import type { Census } from '../model/census';
import { lastTracerOptions, startTracing } from '../tracer';
import { authorized } from './auth';
import { Gate } from './gate';
import type { CensusResult } from '../census';
import { checkHeapWalk, HeapWalkRefused } from '../heap/walk-guard';
import { GcLimit, GcNote } from './gc-limit';
import { BadRequest, parseQuery, Query } from './query';
import type * as Render from './render';

export interface AdminOptions {
  /** Required: requests must carry `Authorization: Bearer <token>`. */
  token: string;
  /** Path the endpoints hang under, e.g. `/alloctrace` (Express strips its mount path itself). */
  prefix?: string;
}

type Next = (err?: unknown) => void;
export type AdminHandler = (req: IncomingMessage, res: ServerResponse, next?: Next) => void;

interface Reply {
  status: number;
  json: unknown;
  text: string;
  headers?: Record<string, string>;
}

class Conflict extends Error {}

/** 503: the heap walk budget is spent (gc-limit.ts); retry after `retryAfterS`. */
class WalkRefused extends Error {
  constructor(readonly retryAfterS: number) {
    super(`busy: a census walks the whole heap and the budget for forced GCs and heap walks is spent; retry in ${retryAfterS} s`);
  }
}

const MAX_URL = 4096;
/** Distinct admin requests that may wait their turn; more get 503 with Retry-After. */
export const MAX_WAITING = 8;
const RETRY_AFTER_S = 1;

// One gate and one GC budget per process, whatever number of handlers serve it.
// Answers go out 16 per turn of the event loop, 200 per second at most, and
// jobs start 100 ms after the previous one's last answer: an admin request
// costs the app ~0.1 ms, so a flood takes a few % of its time in thin slices
// (bench/admin.js measures the app's p99 under one).
const gate = new Gate({ maxWaiting: MAX_WAITING, gapMs: 100, answersPerTurn: 16, answersPerSecond: 200 });
const gcLimit = new GcLimit<Render.Snapshot>();
let handlers = 0;

interface Route {
  method: 'GET' | 'POST';
  params: readonly string[];
  gcDefault: boolean;
  run: (q: Query) => Reply | Promise<Reply>;
  /** A GET beside the POST (the state the POST changes), when there is one. */
  get?: () => Reply;
}

function render(): typeof Render {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('./render') as typeof Render;
}

function ok(json: unknown, text: string): Reply {
  return { status: 200, json, text: text.endsWith('\n') ? text : `${text}\n` };
}

function requireTracing(): void {
  if (!api.isTracing()) throw new Conflict('not tracing: POST /start first');
}

interface PreciseJson {
  on: boolean;
  /** ISO time at which a temporary precise mode goes back off; null if it stays. */
  until: string | null;
  changed?: boolean;
  /** How long the switch paused the app. */
  pauseMs?: number;
  /** Why a switch asked for was not made. */
  skipped?: string;
}

function preciseJson(r: PreciseResult | null): PreciseJson {
  const { on, until } = r ?? preciseState();
  const out: PreciseJson = { on, until: until === null ? null : until.toISOString() };
  if (r !== null) {
    out.changed = r.changed;
    out.pauseMs = Math.round(r.pauseMs * 10) / 10;
    if (r.skipped !== null) out.skipped = r.skipped;
  }
  return out;
}

/** `precise mode on until 12:00:00Z (the switch paused the app 12.3 ms)`. */
function preciseText(p: PreciseJson): string {
  let t = `precise mode ${p.on ? 'on' : 'off'}`;
  if (p.on && p.until !== null) t += ` until ${p.until}`;
  if (p.changed) t += ` (the switch paused the app ${p.pauseMs} ms)`;
  if (p.skipped !== undefined) t += ` (not switched: ${p.skipped})`;
  return t;
}

/** A line for text answers whose data did not come with a GC of their own. */
function gcText(gc: GcNote): string {
  const next = `the next forced GC is allowed in ${(gc.nextGcInMs / 1000).toFixed(1)} s`;
  if (gc.status === 'reused') return `\n(full GC reused: the snapshot taken after the GC forced ${(gc.ageMs / 1000).toFixed(1)} s ago; ${next})`;
  if (gc.status === 'skipped') return `\n(no full GC: ${next})`;
  return '';
}

/** Baseline and previous snapshot, per handler (one per app, usually). */
class LiveState {
  baseline: Render.Snapshot | null = null;
  last: Render.Snapshot | null = null;
  /** The latest census of /census or /growth: what the next /growth compares with. */
  lastCensus: Census | null = null;

  routes(): Record<string, Route> {
    return {
      baseline: { method: 'POST', params: ['gc', 'precise', 'preciseFor'], gcDefault: true, run: (q) => this.takeBaseline(q) },
      top: { method: 'GET', params: ['groupBy', 'limit', 'gc', 'cumulative', 'hide'], gcDefault: false, run: (q) => this.top(q) },
      diff: { method: 'GET', params: ['groupBy', 'limit', 'gc', 'cumulative', 'hide'], gcDefault: false, run: (q) => this.diff(q) },
      precise: { method: 'POST', params: ['on'], gcDefault: false, run: (q) => this.precise(q), get: () => this.preciseNow() },
      mark: { method: 'POST', params: ['name', 'gc'], gcDefault: true, run: (q) => this.mark(q) },
      start: { method: 'POST', params: [], gcDefault: false, run: () => this.start() },
      stop: { method: 'POST', params: [], gcDefault: false, run: () => this.stop() },
      timeline: { method: 'GET', params: [], gcDefault: false, run: () => this.timeline() },
      census: { method: 'GET', params: ['limit', 'gc', 'mode', 'force'], gcDefault: true, run: (q) => this.census(q) },
      growth: { method: 'GET', params: ['limit', 'gc', 'mode', 'force'], gcDefault: true, run: (q) => this.growth(q) },
      retainers: { method: 'GET', params: ['type', 'limit', 'force'], gcDefault: false, run: (q) => this.retainers(q) },
      suspects: { method: 'POST', params: ['seconds', 'limit', 'site', 'force'], gcDefault: false, run: (q) => this.suspects(q) },
      largest: { method: 'GET', params: ['limit', 'values', 'force'], gcDefault: false, run: (q) => this.largest(q) },
    };
  }

  private snapshot(gc: boolean): { value: Render.Snapshot; gc: GcNote } {
    requireTracing();
    render(); // loaded before the snapshot, so its own allocations are never news
    return gcLimit.snapshot(gc, (withGc) => api.takeSnapshot({ gc: withGc }), gate.crowded);
  }

  /**
   * Precise mode goes on first (unless `precise=0`), for `preciseFor`: what
   * grows after the baseline is then charged to the exact functions.
   */
  private takeBaseline(q: Query): Reply {
    requireTracing();
    const precise = preciseJson(q.precise ? setPrecise(true, { forMs: q.preciseForMs }) : null);
    const { value: snap, gc } = this.snapshot(q.gc);
    this.baseline = snap;
    this.last = snap;
    const total = snap.total;
    return ok({ baseline: { timeNs: snap.info.timeNs, total }, precise, gc },
      `Baseline taken: ${render().sizeText(total.size)} live in ${total.samples} samples; ${preciseText(precise)}${gcText(gc)}`);
  }

  private precise(q: Query): Reply {
    if (q.on === undefined) throw new BadRequest('POST /precise needs on=1 or on=0');
    const precise = preciseJson(setPrecise(q.on));
    return ok({ precise }, `Now ${preciseText(precise)}`);
  }

  private preciseNow(): Reply {
    const precise = preciseJson(null);
    return ok({ precise }, `Now ${preciseText(precise)}`);
  }

  private top(q: Query): Reply {
    const r = render();
    const { value: snap, gc } = this.snapshot(q.gc);
    const report = r.liveReport(snap, null, q, null);
    return ok({ ...r.reportJson(report), gc }, `${r.reportText(report)}${gcText(gc)}`);
  }

  private diff(q: Query): Reply {
    if (this.baseline === null) throw new Conflict('no baseline yet: POST /baseline first');
    const r = render();
    const { value: now, gc } = this.snapshot(q.gc);
    const sinceLast = r.liveReport(now, this.last ?? this.baseline, q, 'the previous /diff');
    const sinceBaseline = r.liveReport(now, this.baseline, q, 'the baseline');
    this.last = now;
    return ok({ sinceLast: r.reportJson(sinceLast), sinceBaseline: r.reportJson(sinceBaseline), gc },
      `Since the previous /diff:\n${r.reportText(sinceLast)}\nSince the baseline:\n${r.reportText(sinceBaseline)}${gcText(gc)}`);
  }

  private mark(q: Query): Reply {
    requireTracing();
    const name = q.name ?? `http-${new Date().toISOString()}`;
    const gc = gcLimit.mark(q.gc, (withGc) => api.mark(name, { gc: withGc }), gate.crowded);
    return ok({ marked: name, gc }, `Marker "${name}" written${gcText(gc)}`);
  }

  private start(): Reply {
    if (api.isTracing()) throw new Conflict('already tracing');
    // The same file as before, so the restart appends a segment to it.
    const options = lastTracerOptions() ?? { ...DEFAULTS, file: undefined };
    const file = startTracing(options);
    if (file === undefined) throw new Error('tracing could not start (see the app\'s stderr)');
    gcLimit.forget();
    this.baseline = null;
    this.last = null;
    return ok({ tracing: true, file: file === '' ? null : file }, `Tracing${file ? ` to ${file}` : ' in memory'}`);
  }

  private stop(): Reply {
    if (!api.isTracing()) throw new Conflict('not tracing');
    // A temporary precise mode (from /baseline) ends with the look; one on for good stays.
    const ended = endTemporaryPrecise();
    const precise = preciseJson(ended.changed || ended.skipped !== null ? ended : null);
    api.stop();
    gcLimit.forget();
    this.baseline = null;
    this.last = null;
    return ok({ tracing: false, precise }, `Tracing stopped; ${preciseText(precise)}`);
  }

  /**
   * Who holds a type's instances: V8's heap snapshot (a pause as long as a
   * census's), so it spends the same budget, one at a time behind the gate.
   */
  private retainers(q: Query): Reply {
    const r = render();
    checkHeapWalk('snapshot', 'a heap snapshot for /retainers', q.force); // refused in the route's words
    const walked = gcLimit.walk(false, () => {
      try {
        // Without a type: the one that grew most since the last /census or /growth, if there was one.
        return api.retainers({ type: q.type, top: q.limit, since: this.lastCensus ?? undefined, force: q.force, label: 'http' });
      } catch (err) {
        if (err instanceof RangeError) return err;
        throw err;
      }
    }, gate.crowded);
    if ('refused' in walked) throw new WalkRefused(Math.max(1, Math.ceil(walked.refused.nextGcInMs / 1000)));
    if (walked.value instanceof RangeError) throw new BadRequest(walked.value.message);
    const input = { file: 'live', result: walked.value };
    return ok({ ...r.retainersJson(input), gc: walked.gc }, r.retainersText(input));
  }

  /** The objects holding the most: a heap snapshot like /retainers, on the same budget. */
  private largest(q: Query): Reply {
    const r = render();
    checkHeapWalk('snapshot', 'a heap snapshot for /largest', q.force); // refused in the route's words
    const walked = gcLimit.walk(false, () => api.largest({ top: q.limit, values: q.values, force: q.force }), gate.crowded);
    if ('refused' in walked) throw new WalkRefused(Math.max(1, Math.ceil(walked.refused.nextGcInMs / 1000)));
    const input = { file: 'live', values: q.values, objects: walked.value };
    return ok({ ...r.largestJson(input), gc: walked.gc }, r.largestText(input));
  }

  /**
   * Allocation tracking for a window, then allocating code joined with
   * retaining paths. Runs only when asked, one at a time (the gate holds
   * other admin requests meanwhile); POST /stop ends the window early.
   */
  private async suspects(q: Query): Promise<Reply> {
    const r = render();
    const result = await api.suspects({ seconds: q.seconds, top: q.limit, site: q.site, force: q.force, label: 'http' });
    const input = { source: 'live', ...result };
    return ok(r.suspectsJson(input), r.suspectsText(input));
  }

  /** A census (no tracing needed; written into the trace when tracing to a file). */
  private takeCensus(q: Query, label: string): { census: CensusResult; gc: GcNote } {
    render(); // loaded before the walk, so its own objects are in every census alike
    const r = gcLimit.walk(q.gc, (withGc) => api.census({ gc: withGc, label, mode: q.mode, force: q.force }), gate.crowded);
    if ('refused' in r) throw new WalkRefused(Math.max(1, Math.ceil(r.refused.nextGcInMs / 1000)));
    this.lastCensus = r.value;
    return { census: r.value, gc: r.gc };
  }

  private census(q: Query): Reply {
    const { census, gc } = this.takeCensus(q, 'http');
    const r = render();
    return ok({ census: r.censusJson(census, q.limit), fallback: census.fallback ?? null, gc },
      fallbackText(census) + r.formatTextCensus(census, q.limit));
  }

  /**
   * Growth since the previous /census or /growth. The first one, with no
   * census before it, takes the baseline census and says so.
   */
  private growth(q: Query): Reply {
    const before = this.lastCensus;
    const { census, gc } = this.takeCensus(q, 'http-growth');
    const r = render();
    if (before === null) {
      return ok({ baseline: true, growth: null, census: r.censusJson(census, q.limit), fallback: census.fallback ?? null, gc },
        `${fallbackText(census)}No earlier census: this one is the baseline; the next /growth shows what grew since.\n${r.formatTextCensus(census, q.limit)}`);
    }
    const growth = { from: before, to: census, entries: r.censusGrowth(census, before) };
    return ok({ baseline: false, growth: r.growthJson(growth, q.limit), census: r.censusJson(census, q.limit), fallback: census.fallback ?? null, gc },
      fallbackText(census) + r.formatTextGrowth(growth, q.limit));
  }

  private timeline(): Reply {
    const points = loadNative().timeline().map(([timeMs, traced, rss, heapUsed, heapTotal, external]) =>
      ({ timeMs, traced, rss, heapUsed, heapTotal, external }));
    const mib = (b: number): string => (b / 1048576).toFixed(1).padStart(9);
    const text = ['   time s  traced MiB     rss MiB  heap used MiB',
      ...points.map((p) => `${(p.timeMs / 1000).toFixed(1).padStart(9)} ${mib(p.traced)}   ${mib(p.rss)}   ${mib(p.heapUsed)}`)];
    return ok({ tracing: api.isTracing(), points }, text.join('\n'));
  }
}

const fallbackText = (c: CensusResult): string => (c.fallback === undefined ? '' : `${c.fallback}.\n`);

function wantsText(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return /text\/plain/i.test(accept) && !/application\/json/i.test(accept);
}

// Identical requests share one Reply: it is serialized once for all of them.
const jsonBodies = new WeakMap<Reply, string>();

function send(req: IncomingMessage, res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = wantsText(req);
  let body = text ? reply.text : jsonBodies.get(reply);
  if (body === undefined) {
    body = `${JSON.stringify(reply.json)}\n`;
    jsonBodies.set(reply, body);
  }
  res.writeHead(reply.status, {
    'content-type': text ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    ...reply.headers,
    ...headers,
  });
  res.end(body);
}

function fail(status: number, message: string): Reply {
  return { status, json: { error: message }, text: `${message}\n` };
}

function failure(err: unknown): Reply {
  if (err instanceof BadRequest) return fail(400, err.message);
  if (err instanceof Conflict) return fail(409, err.message);
  if (err instanceof WalkRefused) return { ...fail(503, err.message), headers: { 'retry-after': String(err.retryAfterS) } };
  if (err instanceof HeapWalkRefused) {
    // Not a busy server: retrying will not help, forcing it might (at the app's risk).
    const { message, heapUsed, needed, available, maxHeap } = err.refusal;
    const text = `${message}; add force=1 to take it anyway`;
    return { status: 503, json: { error: text, heapUsed, needed, available, maxHeap }, text: `${text}\n` };
  }
  return fail(500, err instanceof Error ? err.message : String(err));
}

/**
 * A request handler for node:http (`http.createServer(handler)`) that is also
 * Express/Connect middleware (`app.use('/alloctrace', handler)`): requests
 * outside its routes go to `next` when there is one, else get a 404.
 */
export function adminHandler(options: AdminOptions): AdminHandler {
  if (options === null || typeof options !== 'object' || typeof options.token !== 'string' || options.token.length < 8) {
    throw new TypeError('adminHandler needs a token of at least 8 characters: adminHandler({ token })');
  }
  const { token } = options;
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  const state = new LiveState();
  const routes = state.routes();
  handlers += 1;
  const handlerId = handlers;

  return (req, res, next) => {
    try {
      const url = req.url ?? '/';
      const parsed = new URL(url.slice(0, MAX_URL), 'http://localhost');
      const path = parsed.pathname;
      const name = path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : undefined;
      const route = name !== undefined && Object.prototype.hasOwnProperty.call(routes, name) ? routes[name] : undefined;
      if (route === undefined) {
        if (next) return next();
        return send(req, res, fail(404, 'not found'));
      }
      // Authentication before anything else, and nothing said about why.
      if (!authorized(req, token)) return send(req, res, fail(401, 'unauthorized'), { 'www-authenticate': 'Bearer' });
      if (url.length > MAX_URL) return send(req, res, fail(414, 'URL too long'));
      const { get } = route;
      if (req.method !== route.method && !(req.method === 'GET' && get)) {
        return send(req, res, fail(405, `use ${route.method}`), { allow: get ? `GET, ${route.method}` : route.method });
      }
      const query = parseQuery(parsed.searchParams, route.params, route.gcDefault);
      // The request body is not used; drain it so the connection stays usable.
      req.resume();
      // POST /stop also ends a suspects window at once: that job holds the gate until its window ends.
      if (name === 'stop' && req.method === 'POST') api.stopSuspects();
      // Same handler, route and query while one is waiting or running: the same answer.
      const run = req.method === route.method || !get ? () => route.run(query) : get;
      const queued = gate.submit(`${handlerId} ${req.method} ${name} ${JSON.stringify(query)}`, run,
        (outcome) => {
          try {
            send(req, res, outcome.ok ? outcome.value : failure(outcome.error));
          } catch {
            res.destroy();
          }
        });
      if (!queued) {
        send(req, res, fail(503, `busy: ${MAX_WAITING} admin requests are waiting; retry in ${RETRY_AFTER_S} s`),
          { 'retry-after': String(RETRY_AFTER_S) });
      }
    } catch (err) {
      send(req, res, failure(err));
    }
  };
}
