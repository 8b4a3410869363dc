// The server process of the bench: the real app (buildApp, exactly as the server wires it) and the
// baseline app, each on its own loopback port, on one monitored database connection. The runner forks
// this file so that load generation never shares an event loop with the servers under test.
import { benchDeps, buildBenchApp } from './app.ts';
import { buildBaselineApp } from './baseline.ts';
import type { AppointmentDoc } from '@clinic/db';
import { errorMessage } from './child.ts';
import { connectMonitored } from './db.ts';
import { BASELINE_APPOINTMENTS, SERVER_ENV, type FromServer, type ToServer } from './ipc.ts';

function reply(msg: FromServer): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const uri = process.env[SERVER_ENV.mongoUri];
  const dbName = process.env[SERVER_ENV.dbName];
  if (!uri || !dbName || !process.send) throw new Error('bench/server.ts is started by bench/run.ts');

  const database = await connectMonitored(uri, dbName);
  let counts: Record<string, number> | null = null;
  database.onCommand((name) => {
    if (counts) counts[name] = (counts[name] ?? 0) + 1;
  });

  const { app } = await buildBenchApp(database, benchDeps(database));
  const baseline = buildBaselineApp({ database, appointments: database.db.collection<AppointmentDoc>(BASELINE_APPOINTMENTS) });

  await app.listen({ port: 0, host: '127.0.0.1' });
  await baseline.listen({ port: 0, host: '127.0.0.1' });
  const portOf = (server: typeof app.server) => (server.address() as { port: number }).port;

  process.on('message', (msg: ToServer) => {
    switch (msg.type) {
      case 'count-start':
        counts = {};
        reply({ type: 'counting' });
        break;
      case 'count-stop':
        reply({ type: 'counted', commands: counts ?? {} });
        counts = null;
        break;
      case 'shutdown':
        void Promise.all([app.close(), baseline.close()])
          .then(() => database.close())
          .finally(() => process.exit(0));
        break;
    }
  });
  // The runner went away: do not linger.
  process.on('disconnect', () => process.exit(0));

  reply({ type: 'ready', realPort: portOf(app.server), baselinePort: portOf(baseline.server) });
}

main().catch((err: unknown) => {
  reply({ type: 'error', message: errorMessage(err) });
  process.exit(1);
});
