import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';
import { collections, ensureIndexes, type Collections } from './collections.ts';

export interface Database {
  client: MongoClient;
  db: Db;
  cols: Collections;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  uri: string;
  /** Defaults to the database named in the URI, else "clinic". */
  dbName?: string;
  maxPoolSize?: number;
  /** Extra driver options (the bench turns on command monitoring to count round trips). */
  driverOptions?: MongoClientOptions;
}

export async function connectDatabase(opts: ConnectOptions): Promise<Database> {
  const client = new MongoClient(opts.uri, {
    maxPoolSize: opts.maxPoolSize ?? 50,
    serverSelectionTimeoutMS: 10_000,
    appName: 'clinic-platform',
    ...opts.driverOptions,
  });
  await client.connect();
  const db = client.db(opts.dbName ?? (dbNameFromUri(opts.uri) || 'clinic'));
  await ensureIndexes(db);
  return {
    client,
    db,
    cols: collections(db),
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

/**
 * A unique index refused the write. MongoDB says so with code 11000; FerretDB 1.24 does too on inserts,
 * but an update that collides comes back as a generic error whose message names the SQLite constraint.
 */
export function isDuplicateKeyError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return code === 11000 || (typeof message === 'string' && /UNIQUE constraint failed/.test(message));
}

/** The database named in a connection string (`mongodb://h1,h2/name?x=y` → `name`), if any. */
export function dbNameFromUri(uri: string): string | undefined {
  const name = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]*)/.exec(uri)?.[1];
  return name ? decodeURIComponent(name) : undefined;
}
