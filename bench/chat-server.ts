// A server process of the chat bench (forked by chat.ts), in one of two roles:
// - real: buildApp from apps/server/src/app.ts, wired as bench/realtime-server.ts wires it (tRPC over WebSocket on
//   GET /trpc), and with BENCH_REDIS_URL the Redis event bus of apps/server/src/realtime-redis.ts, as REDIS_URL
//   gives the server (several processes on one database);
// - relay: a `ws` WebSocketServer on a plain node:http server; a socket connects as `/?pair=<i>&side=<patient|doctor>`
//   and every frame it sends goes, as it is, to the other socket of its pair — the floor of a chat relay.
import { createServer } from 'node:http';
import { errorMessage } from './child.ts';
import { CHAT_ENV, type FromServer, type Role, type ToServer } from './chat-ipc.ts';

function reply(msg: FromServer): void {
  process.send?.(msg);
}

interface Running {
  port: number;
  close(): Promise<void>;
}

/** Database commands (round trips) since the runner last asked, by `<command> <collection>`. */
let commands: Record<string, number> = {};

async function startReal(): Promise<Running> {
  const uri = process.env[CHAT_ENV.mongoUri];
  const dbName = process.env[CHAT_ENV.dbName];
  const redisUrl = process.env[CHAT_ENV.redisUrl] || undefined;
  if (!uri || !dbName) throw new Error('bench/chat-server.ts (real) needs the database from bench/chat.ts');
  const { connectDatabase } = await import('@clinic/db');
  const { benchDeps, buildBenchApp } = await import('./app.ts');
  const { commandKey } = await import('./db.ts');
  const { createRedisBus } = await import('../apps/server/src/realtime-redis.ts');
  const database = await connectDatabase({ uri, dbName, driverOptions: { monitorCommands: true } });
  database.client.on('commandStarted', (e) => {
    const key = commandKey(e);
    commands[key] = (commands[key] ?? 0) + 1;
  });
  const bus = redisUrl ? await createRedisBus(redisUrl, { onError: (err) => console.error(`[chat-server ${process.pid}] Redis: ${err.message}`) }) : null;
  const deps = benchDeps(database, {
    ...(bus ? { bus } : {}),
    // Both processes of the two-process run must accept the same tokens: the runner hands one key to both.
    ...(process.env.BENCH_CHAT_SECRET ? { secretKey: process.env.BENCH_CHAT_SECRET } : {}),
    // One key for both processes too: messages are sealed with it.
    ...(process.env.BENCH_CHAT_SEAL ? { encryptionKey: Buffer.from(process.env.BENCH_CHAT_SEAL, 'hex') } : {}),
  });
  const { app } = await buildBenchApp(database, deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as { port: number }).port,
    close: async () => {
      await app.close();
      await bus?.close();
      await database.close();
    },
  };
}

async function startRelay(): Promise<Running> {
  const { WebSocketServer, WebSocket } = await import('ws');
  const server = createServer((_req, res) => void res.writeHead(404).end());
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const pairs = new Map<string, { patient?: InstanceType<typeof WebSocket>; doctor?: InstanceType<typeof WebSocket> }>();
  wss.on('connection', (socket, req) => {
    const q = new URL(req.url ?? '/', 'http://relay').searchParams;
    const pair = q.get('pair');
    const side = q.get('side');
    if (!pair || (side !== 'patient' && side !== 'doctor')) return socket.close(1008, 'pair and side');
    const entry = pairs.get(pair) ?? {};
    entry[side] = socket;
    pairs.set(pair, entry);
    const other = side === 'patient' ? 'doctor' : 'patient';
    socket.on('message', (data, isBinary) => {
      const to = entry[other];
      if (to && to.readyState === WebSocket.OPEN) to.send(data, { binary: isBinary });
    });
    socket.on('close', () => {
      if (entry[side] === socket) delete entry[side];
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function main(): Promise<void> {
  const role = process.env[CHAT_ENV.role] as Role | undefined;
  if (!process.send || (role !== 'real' && role !== 'relay')) throw new Error('bench/chat-server.ts is started by bench/chat.ts');
  const running = role === 'real' ? await startReal() : await startRelay();
  process.on('message', (msg: ToServer) => {
    if (msg.type === 'commands') {
      reply({ type: 'commands', counts: commands });
      commands = {};
    } else if (msg.type === 'shutdown') {
      void running
        .close()
        .catch(() => {})
        .finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready', port: running.port });
}

main().catch((err: unknown) => {
  reply({ type: 'error', message: errorMessage(err) });
  process.exit(1);
});
