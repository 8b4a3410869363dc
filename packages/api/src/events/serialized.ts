import superjson from 'superjson';

/**
 * Serialising one event once for all its subscribers.
 *
 * tRPC runs the transformer once per message: an agenda event fanned out to 10,000 sockets was walked by superjson
 * 10,000 times, the same object each time (the agenda builds one object per event for every subscriber). An object
 * passed to `shareSerialized` is serialised the first time and the result reused for every later message carrying
 * it, by the transformer (`broadcastTransformer`) and, over WebSocket, by the encoder (`broadcastEncoder`), which
 * splices the cached text into each message instead of stringifying it again. The bytes on the wire are exactly
 * superjson's; clients deserialize as before.
 *
 * `JSON.rawJSON` cannot do this splice: it accepts primitives only (not objects or arrays).
 */

type Superjson = ReturnType<typeof superjson.serialize>;

/**
 * The transformer's output for a shared object: superjson's `{ json, meta }` (what `toJSON` gives, so any
 * `JSON.stringify`, e.g. of server-sent events, writes exactly what superjson would), and its JSON text, made once.
 */
export class Preserialized {
  readonly value: Superjson;
  private text: string | null = null;

  constructor(value: Superjson) {
    this.value = value;
  }

  get json(): string {
    return (this.text ??= JSON.stringify(this.value));
  }

  toJSON(): Superjson {
    return this.value;
  }
}

/** Per shared object: its serialisation alone (server-sent events), and inside tRPC's `{ id, data }` envelope by id (WebSocket). */
interface Cached {
  alone: Preserialized | null;
  tracked: Map<string, Preserialized> | null;
}

const shared = new WeakMap<object, Cached>();

/**
 * Marks `value` as delivered unchanged to many subscribers, so that it is serialised once. It must not be changed
 * afterwards (what was serialised first is what every later message carries). Returns `value`.
 */
export function shareSerialized<T extends object>(value: T): T {
  if (!shared.has(value)) shared.set(value, { alone: null, tracked: null });
  return value;
}

/** tRPC's WebSocket message of a `tracked()` value is `{ id, data }`, a new object per subscriber around the shared data. */
function trackedEnvelope(value: unknown): { id: string; data: object; cached: Cached } | null {
  if (typeof value !== 'object' || value === null) return null;
  const { id, data } = value as { id?: unknown; data?: unknown };
  if (typeof id !== 'string' || typeof data !== 'object' || data === null) return null;
  const cached = shared.get(data);
  if (!cached) return null;
  // Exactly tRPC's envelope (an object with other keys is not what was cached).
  for (const key in value) if (key !== 'id' && key !== 'data') return null;
  return { id, data, cached };
}

/** superjson for everything; a shared object's serialisation is made once and reused. */
export const broadcastTransformer = {
  serialize(value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return superjson.serialize(value);
    const alone = shared.get(value);
    if (alone) return (alone.alone ??= new Preserialized(superjson.serialize(value)));
    const envelope = trackedEnvelope(value);
    if (!envelope) return superjson.serialize(value);
    const byId = (envelope.cached.tracked ??= new Map());
    let out = byId.get(envelope.id);
    if (!out) byId.set(envelope.id, (out = new Preserialized(superjson.serialize({ id: envelope.id, data: envelope.data }))));
    return out;
  },
  deserialize: (value: unknown): unknown => superjson.deserialize(value as Superjson),
};

/** A random placeholder per process, which no client can put into a message. */
const PLACEHOLDER = `\u0000preserialized:${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
const QUOTED_PLACEHOLDER = JSON.stringify(PLACEHOLDER);

/**
 * tRPC's WebSocket encoder (`experimental_encoder`; JSON text frames, as its default `jsonEncoder`), splicing a
 * shared event's cached text into the message instead of stringifying it per subscriber.
 */
export const broadcastEncoder = {
  encode(message: unknown): string {
    const result = (message as { result?: { data?: unknown } } | null)?.result;
    const data = result?.data;
    if (!(data instanceof Preserialized)) return JSON.stringify(message);
    const head = JSON.stringify({ ...(message as object), result: { ...result, data: PLACEHOLDER } });
    const at = head.indexOf(QUOTED_PLACEHOLDER);
    return head.slice(0, at) + data.json + head.slice(at + QUOTED_PLACEHOLDER.length);
  },
  /**
   * The JSON text of one value the transformer produced (a message's `result.data`): a shared event's cached text,
   * anything else stringified. For a handler that writes its frames around the data itself (apps/server's WebSocket).
   */
  json(serialized: unknown): string {
    return serialized instanceof Preserialized ? serialized.json : JSON.stringify(serialized);
  },
  decode(data: string | ArrayBuffer | Uint8Array): unknown {
    if (typeof data !== 'string') throw new Error('Binary frames are not accepted: send JSON text frames.');
    return JSON.parse(data);
  },
};
