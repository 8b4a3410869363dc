// A server process of the real-time bench (forked by realtime.ts, with --expose-gc), in one of two roles:
// - real: buildApp from apps/server/src/app.ts, wired as bench/server.ts wires it (tRPC subscriptions over WebSocket
//   on GET /trpc, the access token in connectionParams);
// - bare: a `ws` WebSocketServer on a plain node:http server, which on POST /broadcast stamps `at` and sends one
//   prebuilt text frame of the requested size to every socket (the floor of a broadcast: no per-socket work).
// Each reports its memory on request, after a full garbage collection, so RSS per connection can be computed.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { errorMessage } from './child.ts';
import { BARE_BROADCAST_PATH, RT_ENV, type FromServer, type HeapCensus, type HotFunction, type Memory, type Side, type ToServer } from './realtime-ipc.ts';

function reply(msg: FromServer): void {
  process.send?.(msg);
}

interface Running {
  port: number;
  sockets(): number;
  close(): Promise<void>;
}

async function startReal(): Promise<Running> {
  const uri = process.env[RT_ENV.mongoUri];
  const dbName = process.env[RT_ENV.dbName];
  if (!uri || !dbName) throw new Error('bench/realtime-server.ts (real) needs the database from bench/realtime.ts');
  // Imported here, so that the bare server's process does not load (or hold the memory of) the app.
  const { connectDatabase } = await import('@clinic/db');
  const { benchDeps, buildBenchApp } = await import('./app.ts');
  const database = await connectDatabase({ uri, dbName });
  const { app } = await buildBenchApp(database, benchDeps(database), {
    // One load generator on loopback opens every socket, with a handful of staff tokens: no per-IP or per-user cap.
    realtimeLimits: { maxPerUser: Number.MAX_SAFE_INTEGER, maxPerIp: Number.MAX_SAFE_INTEGER },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as { port: number }).port,
    sockets: () => app.websocketServer.clients.size,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

async function startBare(): Promise<Running> {
  const { WebSocketServer } = await import('ws');
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== BARE_BROADCAST_PATH) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { round, bytes } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { round: number; bytes: number };
      const at = Date.now();
      // The same size as the real server's frame: {"round":…,"at":…,"pad":"xxx…"}.
      const head = JSON.stringify({ round, at, pad: '' });
      const frame = Buffer.from(head.slice(0, -2) + 'x'.repeat(Math.max(0, bytes - Buffer.byteLength(head))) + '"}');
      let sent = 0;
      for (const socket of wss.clients) {
        socket.send(frame, { binary: false });
        sent++;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sent, at: new Date(at).toISOString() }));
    });
  });
  const wss = new WebSocketServer({ server });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    sockets: () => wss.clients.size,
    close: async () => {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function memory(running: Running): Promise<Memory> {
  // Garbage first (twice: the first pass may only finalise), then let the allocator settle.
  for (let i = 0; i < 2; i++) {
    globalThis.gc?.();
    await sleep(250);
  }
  const m = process.memoryUsage();
  const space = (name: string) => getHeapSpaceStatistics().find((s) => s.space_name === name);
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    newSpace: space('new_space')?.space_size ?? 0,
    oldSpace: space('old_space')?.space_size ?? 0,
    oldSpaceUsed: space('old_space')?.space_used_size ?? 0,
    sockets: running.sockets(),
  };
}

/** CPU profile of this process (BENCH_WS_PROFILE=1): started before the measured fan-outs, stopped after them. */
let profiler: Session | null = null;

async function startProfile(): Promise<void> {
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
  await profiler.post('Profiler.start');
}

async function stopProfile(file: string): Promise<Extract<FromServer, { type: 'profiled' }>> {
  if (!profiler) throw new Error('no profile running');
  const { profile } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  profiler = null;
  writeFileSync(file, JSON.stringify(profile));
  // Self time per function: samples landing in it, times the mean sampling interval.
  const samples = profile.samples ?? [];
  const perSampleMs = samples.length ? (profile.endTime - profile.startTime) / 1000 / samples.length : 0;
  const byNode = new Map<number, number>();
  for (const id of samples) byNode.set(id, (byNode.get(id) ?? 0) + 1);
  const byFn = new Map<string, { fn: string; where: string; hits: number }>();
  for (const node of profile.nodes) {
    const hits = byNode.get(node.id) ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const short = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*?\/(apps|packages|bench)\//, '$1/');
    const where = short ? `${short}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const entry = byFn.get(key) ?? { fn: functionName || '(anonymous)', where, hits: 0 };
    entry.hits += hits;
    byFn.set(key, entry);
  }
  // Shares are of the busy samples: between rounds (and during the bare server's) this process waits, in (idle).
  const busy = [...byFn.values()].filter((e) => e.fn !== '(idle)');
  const busyHits = busy.reduce((a, e) => a + e.hits, 0);
  const top: HotFunction[] = busy
    .sort((a, b) => b.hits - a.hits)
    .slice(0, 25)
    .map((e) => ({ fn: e.fn, where: e.where, selfMs: Math.round(e.hits * perSampleMs * 10) / 10, share: busyHits ? e.hits / busyHits : 0 }));
  return { type: 'profiled', file, totalMs: Math.round((profile.endTime - profile.startTime) / 1000), busyMs: Math.round(busyHits * perSampleMs), top };
}

/**
 * Writes a heap snapshot (BENCH_WS_HEAP=1) and counts its nodes by type and name (constructor, closure or string
 * kind), with their self sizes. Parsing it here costs memory: meant for diagnosis with a few thousand connections.
 */
async function heapCensus(file: string): Promise<HeapCensus> {
  globalThis.gc?.();
  writeHeapSnapshot(file);
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const census: HeapCensus = {};
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + iType]!] ?? '?';
    // Strings and code are counted by kind only: their "names" are their contents.
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'code' || type === 'number' ? '' : (snap.strings[snap.nodes[i + iName]!] ?? '?');
    const key = `${type}:${name.slice(0, 80)}`;
    const entry = (census[key] ??= { count: 0, bytes: 0 });
    entry.count++;
    entry.bytes += snap.nodes[i + iSize]!;
  }
  return census;
}

async function main(): Promise<void> {
  const role = process.env[RT_ENV.role] as Side | undefined;
  if (!process.send || (role !== 'real' && role !== 'bare')) throw new Error('bench/realtime-server.ts is started by bench/realtime.ts');
  const running = role === 'real' ? await startReal() : await startBare();
  process.on('message', (msg: ToServer) => {
    switch (msg.type) {
      case 'memory':
        void memory(running).then((m) => reply({ type: 'memory', memory: m }));
        break;
      case 'cpu': {
        const { user, system } = process.cpuUsage();
        reply({ type: 'cpu', ms: (user + system) / 1000 });
        break;
      }
      case 'profile-start':
        startProfile().then(
          () => reply({ type: 'profiling' }),
          (err: unknown) => reply({ type: 'error', message: String(err) }),
        );
        break;
      case 'profile-stop':
        stopProfile(msg.file).then(reply, (err: unknown) => reply({ type: 'error', message: String(err) }));
        break;
      case 'heap':
        heapCensus(msg.file).then(
          (census) => reply({ type: 'heap', file: msg.file, census }),
          (err: unknown) => reply({ type: 'error', message: String(err) }),
        );
        break;
      case 'shutdown':
        void running
          .close()
          .catch(() => {})
          .finally(() => process.exit(0));
        break;
    }
  });
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready', port: running.port });
}

main().catch((err: unknown) => {
  reply({ type: 'error', message: errorMessage(err) });
  process.exit(1);
});
