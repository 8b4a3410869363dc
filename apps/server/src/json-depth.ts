import type { FastifyInstance } from 'fastify';

/**
 * JSON nesting cap. Deeply nested JSON is cheap to send (two bytes a level) but recursive code —
 * JSON.stringify, schema validation, serialisers — overflows the stack on it. The text is scanned
 * before it is parsed: one pass, no recursion, no allocation.
 */

/** Whether JSON text nests arrays and objects more than `maxDepth` levels deep (`[]` and `{}` are one level). */
export function jsonNestingExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/** A 400 in the one error shape (the Fastify error handler keeps the message). */
export class JsonTooDeepError extends Error {
  readonly statusCode = 400;
  readonly code = 'JSON_TOO_DEEP';
  constructor(maxDepth: number, what = 'request body') {
    super(`The ${what} is nested too deeply (more than ${maxDepth} levels).`);
    this.name = 'JsonTooDeepError';
  }
}

/**
 * The cap on both faces. Every JSON body parsed by Fastify (REST and plain routes) is scanned before JSON.parse
 * (Fastify's own parser, with its prototype-poisoning checks, does the parsing); scopes that need the raw body
 * (the Stripe webhook) replace this parser. tRPC's plugin takes its body as text and parses it itself, so
 * /trpc is checked just before: the body, and a query's `input`.
 */
export function capJsonNesting(app: FastifyInstance, maxDepth: number) {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (jsonNestingExceeds(body as string, maxDepth)) return done(new JsonTooDeepError(maxDepth), undefined);
    parseJson(req, body as string, done);
  });
  app.addHook('preValidation', async (req) => {
    if (typeof req.body === 'string' && /^application\/json\b/i.test(req.headers['content-type'] ?? '') && jsonNestingExceeds(req.body, maxDepth)) {
      throw new JsonTooDeepError(maxDepth);
    }
    const input = (req.query as Record<string, unknown> | null)?.input;
    if (typeof input === 'string' && req.url.startsWith('/trpc/') && jsonNestingExceeds(input, maxDepth)) {
      throw new JsonTooDeepError(maxDepth, 'request input');
    }
  });
}
