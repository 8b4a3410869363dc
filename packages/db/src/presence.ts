import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConnectLog, Database } from './client.ts';

interface ProcessDoc {
  _id: string;
  host: string;
  pid: number;
  startedAt: Date;
  seenAt: Date;
}

export const PROCESSES_COLLECTION = 'server_processes';

/**
 * Several server processes on one FerretDB database lose each other's writes (connectDatabase makes each process
 * safe on its own, not a group of them). So each server process on FerretDB says it is alive here, and warns as
 * soon as it sees another live one. On MongoDB nothing is written.
 */
export async function watchForOtherProcesses(database: Database, log: ConnectLog, intervalMs = 15_000): Promise<{ stop(): Promise<void> }> {
  if (database.engine !== 'ferretdb') return { stop: async () => {} };
  const col = database.db.collection<ProcessDoc>(PROCESSES_COLLECTION);
  const now = new Date();
  const me: ProcessDoc = { _id: randomBytes(8).toString('hex'), host: hostname(), pid: process.pid, startedAt: now, seenAt: now };
  await col.deleteMany({ seenAt: { $lt: new Date(now.getTime() - 24 * 3600_000) } });
  await col.insertOne(me);
  let warned = false;
  async function look() {
    const at = new Date();
    await col.updateOne({ _id: me._id }, { $set: { seenAt: at } });
    const others = await col.find({ _id: { $ne: me._id }, seenAt: { $gt: new Date(at.getTime() - 3 * intervalMs) } }).toArray();
    if (others.length > 0 && !warned) {
      const who = others.map((o) => `pid ${o.pid} on ${o.host}`).join(', ');
      log.warn(
        `ANOTHER SERVER PROCESS IS USING THIS FERRETDB DATABASE (${who}). FerretDB 1.x is not atomic between processes: ` +
          'concurrent writes to one document get lost. Run a single server process on FerretDB, or use MongoDB/Atlas.',
      );
    }
    warned = others.length > 0;
  }
  await look();
  const timer = setInterval(() => void look().catch(() => {}), intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await col.deleteOne({ _id: me._id }).catch(() => {});
    },
  };
}
