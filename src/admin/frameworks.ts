// The admin endpoint for each server framework. node:http and Express take
// adminHandler as it is; Koa and Fastify need their own thin wrappers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { adminHandler, AdminOptions } from './handler';

export { adminHandler };

/** What the Koa wrapper needs of Koa's context (no dependency on Koa's types). */
export interface KoaLikeContext {
  req: IncomingMessage;
  res: ServerResponse;
  respond?: boolean;
}

/**
 * Koa middleware: `app.use(koaAdmin({ token, prefix: '/alloctrace' }))`.
 * Other requests go on down the middleware chain.
 */
export function koaAdmin(options: AdminOptions): (ctx: KoaLikeContext, next: () => Promise<unknown>) => Promise<void> {
  const handle = adminHandler(options);
  return async (ctx, next) => {
    let passed = false;
    ctx.respond = false; // we write the response ourselves
    handle(ctx.req, ctx.res, () => { passed = true; });
    if (passed) {
      ctx.respond = true;
      await next();
    }
  };
}

/** What the Fastify plugin needs of a Fastify instance. */
export interface FastifyLikeInstance {
  prefix?: string;
  all(path: string, handler: (request: { raw: IncomingMessage }, reply: { raw: ServerResponse; hijack(): void }) => void): unknown;
}

/**
 * A Fastify plugin: `fastify.register(fastifyAdmin({ token }), { prefix: '/alloctrace' })`.
 */
export function fastifyAdmin(options: Omit<AdminOptions, 'prefix'>): (instance: FastifyLikeInstance) => Promise<void> {
  return async (instance) => {
    const handle = adminHandler({ ...options, prefix: instance.prefix ?? '' });
    instance.all('/*', (request, reply) => {
      reply.hijack(); // Fastify must not answer too
      handle(request.raw, reply.raw);
    });
  };
}
