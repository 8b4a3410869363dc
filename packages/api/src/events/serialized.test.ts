import { initTRPC, transformTRPCResponse } from '@trpc/server';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { broadcastEncoder, broadcastTransformer, shareSerialized } from './serialized.ts';

// The configs of two routers, one with plain superjson (what the wire was before) and one with ours.
const plain = initTRPC.create({ transformer: superjson }).router({})._def._config;
const ours = initTRPC.create({ transformer: broadcastTransformer }).router({})._def._config;

/** A WebSocket message as tRPC's handler builds it for a `tracked(id, data)` value, once per subscriber. */
const message = (requestId: number | string, trackedId: string, data: unknown) => ({ id: requestId, result: { type: 'data' as const, data: { id: trackedId, data }, id: trackedId } });

const event = () => ({
  kind: 'booked',
  appointment: { id: 'a1', start: '2026-12-01T09:00:00.000Z', reason: 'quote " and \\ and \u2028 and $& and é' },
  previousStart: null,
  at: new Date('2026-11-30T10:00:00.000Z'),
  missing: undefined,
});

describe('an event shared by many subscribers', () => {
  it('goes out over WebSocket as exactly the bytes plain superjson gives, for every subscriber', () => {
    const shared = shareSerialized(event());
    for (const requestId of [1, 7, 'sub-x']) {
      const expected = JSON.stringify(transformTRPCResponse(plain, message(requestId, '42', event())));
      expect(broadcastEncoder.encode(transformTRPCResponse(ours, message(requestId, '42', shared)))).toBe(expected);
    }
    // What the server's own WebSocket handler writes as a message's data: the same text, from the cache.
    expect(broadcastEncoder.json(broadcastTransformer.serialize({ id: '42', data: shared }))).toBe(JSON.stringify(superjson.serialize({ id: '42', data: event() })));
    expect(broadcastEncoder.json(broadcastTransformer.serialize({ n: 1 }))).toBe(JSON.stringify(superjson.serialize({ n: 1 })));
    // The client reads the Date back as a Date, and the tracked id.
    const wire = JSON.parse(broadcastEncoder.encode(transformTRPCResponse(ours, message(1, '42', shared)))) as { result: { data: unknown } };
    expect(superjson.deserialize(wire.result.data as never)).toEqual({ id: '42', data: event() });
  });

  it('goes out over server-sent events (its data alone) as plain superjson gives it', () => {
    const shared = shareSerialized(event());
    expect(JSON.stringify(broadcastTransformer.serialize(shared))).toBe(JSON.stringify(superjson.serialize(event())));
    expect(JSON.stringify(broadcastTransformer.serialize(shared))).toBe(JSON.stringify(superjson.serialize(event())));
  });

  it('is serialized once per tracked id; anything not shared is serialized afresh each time', () => {
    const shared = shareSerialized(event());
    expect(broadcastTransformer.serialize({ id: '1', data: shared })).toBe(broadcastTransformer.serialize({ id: '1', data: shared }));
    expect(JSON.stringify(broadcastTransformer.serialize({ id: '2', data: shared }))).toContain('"id":"2"');

    const own = { n: 1 };
    const first = JSON.stringify(broadcastEncoder.encode(transformTRPCResponse(ours, message(1, '1', own))));
    own.n = 2;
    expect(JSON.stringify(broadcastEncoder.encode(transformTRPCResponse(ours, message(1, '1', own))))).not.toBe(first);
    // An envelope with more than tRPC's two keys is not taken for one.
    expect(broadcastTransformer.serialize({ id: '1', data: shared, extra: true })).toEqual(superjson.serialize({ id: '1', data: event(), extra: true }));
  });

  it('leaves errors, inputs and other messages as superjson and JSON have them', () => {
    const error = { id: 3, error: { code: -32600 as const, message: 'nope', data: { at: new Date(0) } } };
    expect(broadcastEncoder.encode(transformTRPCResponse(ours, error))).toBe(JSON.stringify(transformTRPCResponse(plain, error)));
    expect(broadcastEncoder.encode({ id: 1, result: { type: 'started' } })).toBe('{"id":1,"result":{"type":"started"}}');
    expect(broadcastTransformer.deserialize(superjson.serialize({ when: new Date(5) }))).toEqual({ when: new Date(5) });
    expect(() => broadcastEncoder.decode(new Uint8Array([1]))).toThrow(/text frames/);
  });
});
