import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import { collections, ensureIndexes, type Collections } from './collections.ts';
import { migrate } from './migrations.ts';

export type Engine = 'mongodb' | 'ferretdb';

export interface Database {
  client: MongoClient;
  db: Db;
  cols: Collections;
  /** On 'ferretdb' this process sends its operations over a single connection, one at a time. */
  engine: Engine;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface ConnectLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface ConnectOptions {
  uri: string;
  /** Defaults to the database named in the URI, else "clinic". */
  dbName?: string;
  /** On MongoDB; FerretDB always gets one connection. */
  maxPoolSize?: number;
  /** Extra driver options (the bench turns on command monitoring to count round trips). */
  driverOptions?: MongoClientOptions;
  log?: ConnectLog;
}

/**
 * FerretDB 1.x reads, changes and rewrites a document without a lock, so two operations in flight on one
 * document lose writes (200 concurrent $inc → 18 on SQLite, 8 on PostgreSQL). Over one connection the driver
 * sends them one at a time, which gives back MongoDB's per-document atomicity within this process.
 */
export async function connectDatabase(opts: ConnectOptions): Promise<Database> {
  const open = async (maxPoolSize: number) => {
    const client = new MongoClient(opts.uri, { maxPoolSize, serverSelectionTimeoutMS: 10_000, appName: 'clinic-platform', ...opts.driverOptions });
    await client.connect();
    return client;
  };
  const wanted = opts.maxPoolSize ?? 50;
  let client = await open(wanted);
  const engine = await engineOf(client);
  if (engine === 'ferretdb' && wanted > 1) {
    await client.close();
    client = await open(1);
    opts.log?.info('FerretDB: one database connection in this process (it is not atomic under concurrent operations); several server processes need MongoDB or Atlas');
  }
  const db = client.db(opts.dbName ?? (dbNameFromUri(opts.uri) || 'clinic'));
  await ensureIndexes(db);
  const migrated = await migrate(db);
  if (migrated.length > 0) opts.log?.info(`database migrated: ${migrated.join(', ')}`);
  return {
    client,
    db,
    cols: collections(db),
    engine,
    async ping() {
      try {
        await db.command({ ping: 1 }, { timeoutMS: 2_000 });
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}

async function engineOf(client: MongoClient): Promise<Engine> {
  const info = await client.db('admin').command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string' ? 'ferretdb' : 'mongodb';
}

/** The database named in a connection string (`mongodb://h1,h2/name?x=y` → `name`), if any. */
export function dbNameFromUri(uri: string): string | undefined {
  const name = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]*)/.exec(uri)?.[1];
  return name ? decodeURIComponent(name) : undefined;
}
