import { TRPCError, callTRPCProcedure, getErrorShape, getTRPCErrorFromUnknown, isTrackedEnvelope, transformTRPCResponse } from '@trpc/server';
import { parseTRPCMessage, type TRPCResponseMessage } from '@trpc/server/rpc';
import type { WebSocket } from 'ws';
import { appRouter, broadcastEncoder, type Context } from '@clinic/api';

/**
 * tRPC's WebSocket protocol (what `@trpc/client`'s `createWSClient`/`wsLink` speaks), served by this server itself
 * instead of tRPC's `getWSConnectionHandler`, which keeps per connection an abort controller, a context promise and
 * some forty closures, and per subscription an async loop racing promises. Here a connection is one object
 * (`WsConnection`, owned by realtime.ts) and a live subscription one more (`Subscription`); every procedure still
 * runs through tRPC (`callTRPCProcedure`: input parsing, middlewares, policies, output), so nothing is bypassed.
 *
 * The protocol, as this handler answers it (JSON text frames; `id` is the client's, number or string):
 * - `{ id, method: 'subscription', params: { path, input, lastEventId? } }` → `{ id, result: { type: 'started' } }`, then
 *   `{ id, result: { type: 'data', id?, data } }` per value (a `tracked(id, data)` value carries its id, and its data
 *   is `{ id, data }`, as tRPC sends it; the client resends the last one as `lastEventId`, which is merged into the
 *   input), and `{ id, result: { type: 'stopped' } }` when it ends or the client stops it. A failure (input,
 *   policy, the stream's own) is `{ id, error }` in the router's error shape.
 * - `{ id, method: 'subscription.stop' }` ends that subscription (answered by `stopped`).
 * - `{ id, method: 'query' | 'mutation', params }` is answered `{ id, result: { type: 'data', data } }` or `{ id, error }`,
 *   as tRPC's handler does; the SDK sends only subscriptions over the socket (`splitLink`), but another tRPC client
 *   may not, and the procedures apply the same rules whichever way they are called.
 * - An array of those is a batch: each is handled on its own.
 * - `{ id: null, error }`: a frame that is no tRPC message, or a refused connection (realtime.ts closes those).
 * The `jsonrpc: '2.0'` a message carries is echoed in its answers. Values go through the router's transformer
 * (superjson); a shared event's serialisation is made once for all subscribers (`shareSerialized`), and each frame
 * is that text with the subscription's id concatenated around it.
 */

const config = appRouter._def._config;
const transformer = config.transformer;

/** What realtime.ts keeps per socket that this protocol needs: the context once authenticated, and the live subscriptions. */
export interface WsConnection {
  socket: WebSocket;
  ctx: Context | null;
  /** None, the one (the usual case: no map per socket), or several by the client's id. */
  subs: Subscription | Map<RequestId, Subscription> | null;
  closed: boolean;
}

type RequestId = number | string;
type ProcedureType = 'query' | 'mutation' | 'subscription';

export type ErrorReporter = (error: TRPCError, path: string | undefined) => void;

const OPEN = 1;

function findSub(conn: WsConnection, id: RequestId): Subscription | undefined {
  const subs = conn.subs;
  if (subs === null) return undefined;
  if (subs instanceof Map) return subs.get(id);
  return subs.id === id ? subs : undefined;
}

function addSub(conn: WsConnection, sub: Subscription) {
  const subs = conn.subs;
  if (subs === null) conn.subs = sub;
  else if (subs instanceof Map) subs.set(sub.id, sub);
  else conn.subs = new Map<RequestId, Subscription>([[subs.id, subs], [sub.id, sub]]);
}

function removeSub(conn: WsConnection, sub: Subscription) {
  const subs = conn.subs;
  if (subs === sub) conn.subs = null;
  else if (subs instanceof Map && subs.get(sub.id) === sub) {
    subs.delete(sub.id);
    if (subs.size === 0) conn.subs = null;
  }
}

/** The frame's head for a request id: `{"id":<id>,` (and its jsonrpc). */
function head(id: RequestId | null, jsonrpc: boolean): string {
  return `{"id":${JSON.stringify(id)},${jsonrpc ? '"jsonrpc":"2.0",' : ''}`;
}

/** An error answer in the router's shape (errorFormatter), serialised by its transformer. */
export function errorFrame(ctx: Context | null, error: TRPCError, id: RequestId | null, jsonrpc: boolean, type: ProcedureType | 'unknown', path?: string, input?: unknown): string {
  const shape = getErrorShape({ config, error, type, path, input, ctx: ctx ?? undefined });
  const message: TRPCResponseMessage = jsonrpc ? { id, jsonrpc: '2.0', error: shape } : { id, error: shape };
  return JSON.stringify(transformTRPCResponse(config, message));
}

function send(conn: WsConnection, frame: string) {
  if (!conn.closed && conn.socket.readyState === OPEN) conn.socket.send(frame);
}

/** One live subscription: the procedure's iterator, read one value at a time (two callbacks, made once). */
class Subscription {
  readonly id: RequestId;
  private readonly conn: WsConnection;
  private readonly jsonrpc: boolean;
  private readonly path: string;
  private readonly onError: ErrorReporter;
  /** The procedure's `signal`: the streams (event-store followers) end on it, also while their iterator is mid-`next()`. */
  private readonly abort = new AbortController();
  private iterator: AsyncIterator<unknown> | null = null;
  private stopped = false;

  constructor(conn: WsConnection, id: RequestId, jsonrpc: boolean, path: string, onError: ErrorReporter) {
    this.conn = conn;
    this.id = id;
    this.jsonrpc = jsonrpc;
    this.path = path;
    this.onError = onError;
  }

  async start(input: unknown, batchIndex: number) {
    let result: unknown;
    try {
      result = await callTRPCProcedure({ router: appRouter, path: this.path, getRawInput: async () => input, ctx: this.conn.ctx, type: 'subscription', signal: this.abort.signal, batchIndex });
      if (!isAsyncIterable(result)) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `Subscription ${this.path} did not return an async iterable` });
    } catch (cause) {
      removeSub(this.conn, this);
      // Stopped (or the socket gone) while the procedure was setting up: a cancelled setup is no failure.
      if (this.stopped) return send(this.conn, `${head(this.id, this.jsonrpc)}"result":{"type":"stopped"}}`);
      this.stopped = true;
      return this.fail(cause, input);
    }
    this.iterator = result[Symbol.asyncIterator]();
    if (this.stopped || this.conn.closed) return this.dispose();
    send(this.conn, `${head(this.id, this.jsonrpc)}"result":{"type":"started"}}`);
    this.pull();
  }

  private pull() {
    this.iterator!.next().then(this.onNext, this.onFail);
  }

  private readonly onNext = (r: IteratorResult<unknown>) => {
    if (this.stopped) return;
    if (r.done) {
      this.stopped = true;
      removeSub(this.conn, this);
      send(this.conn, `${head(this.id, this.jsonrpc)}"result":{"type":"stopped"}}`);
      return;
    }
    const value = r.value;
    let frame: string;
    try {
      if (isTrackedEnvelope(value)) {
        const [eventId, data] = value;
        // The transformer sees the `{ id, data }` envelope tRPC would send, and serialises a shared event's once.
        frame = `${head(this.id, this.jsonrpc)}"result":{"type":"data","id":${JSON.stringify(eventId)},"data":${broadcastEncoder.json(transformer.output.serialize({ id: eventId, data }))}}}`;
      } else {
        frame = `${head(this.id, this.jsonrpc)}"result":{"type":"data","data":${broadcastEncoder.json(transformer.output.serialize(value))}}}`;
      }
    } catch (cause) {
      this.stopped = true;
      removeSub(this.conn, this);
      void this.iterator!.return?.()?.catch(() => undefined);
      return this.fail(cause);
    }
    send(this.conn, frame);
    this.pull();
  };

  private readonly onFail = (cause: unknown) => {
    if (this.stopped) {
      // A stream that ends on the stop may reject with an AbortError: that is how it ends, not a failure.
      const error = getTRPCErrorFromUnknown(cause);
      if (!isAbortError(error.cause)) this.onError(error, this.path);
      return;
    }
    this.stopped = true;
    removeSub(this.conn, this);
    this.abort.abort();
    this.fail(cause);
    send(this.conn, `${head(this.id, this.jsonrpc)}"result":{"type":"stopped"}}`);
  };

  private fail(cause: unknown, input?: unknown) {
    const error = getTRPCErrorFromUnknown(cause);
    this.onError(error, this.path);
    send(this.conn, errorFrame(this.conn.ctx, error, this.id, this.jsonrpc, 'subscription', this.path, input));
  }

  /**
   * The client stopped it, or the socket closed: the signal ends the stream (a pending `next()` settles), then the
   * iterator is returned; `stopped` goes out once it is, as tRPC's handler does.
   */
  stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    if (this.iterator) this.dispose();
  }

  private dispose() {
    this.stopped = true;
    this.abort.abort();
    const done = () => {
      removeSub(this.conn, this);
      send(this.conn, `${head(this.id, this.jsonrpc)}"result":{"type":"stopped"}}`);
    };
    const returned = this.iterator?.return?.();
    if (!returned) return done();
    returned.then(done, (cause: unknown) => {
      const error = getTRPCErrorFromUnknown(cause);
      if (!isAbortError(error.cause)) this.onError(error, this.path);
      done();
    });
  }
}

/** A query or mutation over the socket: answered once, as over HTTP. */
async function call(conn: WsConnection, id: RequestId, jsonrpc: boolean, type: 'query' | 'mutation', path: string, input: unknown, batchIndex: number, onError: ErrorReporter) {
  try {
    const data = await callTRPCProcedure({ router: appRouter, path, getRawInput: async () => input, ctx: conn.ctx, type, signal: undefined, batchIndex });
    if (isAsyncIterable(data)) throw new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: `Cannot return an async iterable from a ${type} procedure over WebSocket` });
    send(conn, `${head(id, jsonrpc)}"result":{"type":"data","data":${broadcastEncoder.json(transformer.output.serialize(data))}}}`);
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    onError(error, path);
    send(conn, errorFrame(conn.ctx, error, id, jsonrpc, type, path, input));
  }
}

/**
 * Handles one decoded frame (an object, or an array of them: a batch) of an authenticated connection. A message that
 * is not tRPC's is answered `{ id: null, error: PARSE_ERROR }`, as tRPC's handler does, and the socket stays open.
 */
export function handleMessage(conn: WsConnection, frame: unknown, onError: ErrorReporter) {
  const raws = Array.isArray(frame) ? frame : [frame];
  for (let i = 0; i < raws.length; i++) {
    let msg: ReturnType<typeof parseTRPCMessage>;
    try {
      msg = parseTRPCMessage(raws[i], transformer);
    } catch (cause) {
      send(conn, errorFrame(conn.ctx, new TRPCError({ code: 'PARSE_ERROR', message: 'Not a tRPC message', cause }), null, false, 'unknown'));
      continue;
    }
    const { id } = msg;
    const jsonrpc = msg.jsonrpc === '2.0';
    if (id === null) {
      send(conn, errorFrame(conn.ctx, new TRPCError({ code: 'PARSE_ERROR', message: '`id` is required' }), null, jsonrpc, 'unknown'));
      continue;
    }
    if (msg.method === 'subscription.stop') {
      findSub(conn, id)?.stop();
      continue;
    }
    const { path, lastEventId } = msg.params;
    let input = msg.params.input;
    // The client's resume point goes into the input, where the subscription procedures read it.
    if (lastEventId !== undefined) {
      if (typeof input === 'object' && input !== null && !Array.isArray(input)) input = { ...input, lastEventId };
      else input ??= { lastEventId };
    }
    if (msg.method !== 'subscription') {
      void call(conn, id, jsonrpc, msg.method, path, input, i, onError);
      continue;
    }
    if (findSub(conn, id)) {
      send(conn, errorFrame(conn.ctx, new TRPCError({ code: 'BAD_REQUEST', message: `Duplicate id ${id}` }), id, jsonrpc, 'subscription', path, input));
      continue;
    }
    const sub = new Subscription(conn, id, jsonrpc, path, onError);
    // Registered before the procedure runs, so that a stop or a close during its setup cancels it.
    addSub(conn, sub);
    void sub.start(input, i);
  }
}

/** The socket closed: every subscription ends (their streams leave their hubs); nothing more is sent. */
export function closeConnection(conn: WsConnection) {
  conn.closed = true;
  const subs = conn.subs;
  if (subs === null) return;
  if (subs instanceof Map) for (const sub of [...subs.values()]) sub.stop();
  else subs.stop();
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function isAbortError(cause: unknown): boolean {
  return typeof cause === 'object' && cause !== null && (cause as { name?: unknown }).name === 'AbortError';
}
