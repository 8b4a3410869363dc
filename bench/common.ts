// What the bench runners (run.ts, realtime.ts, chat.ts, slots-cache.ts) share: settings from the environment, the
// console log, the database they run on (embedded unless MONGO_URI is set) and its cleanup, sign-in over REST, and
// their entry point, the machine and the results file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDatabase, startEmbeddedDatabase, type Database, type EmbeddedDatabase } from '@clinic/db';
import { send } from './load.ts';

/** A positive number from the environment; unset or empty gives `fallback`. */
export function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return n;
}

export const log = (msg: string) => console.log(`· ${msg}`);

/**
 * The runner's database: MONGO_URI when set, else an embedded one started by `open` (FerretDB on
 * `embeddedPostgresUrl`'s PostgreSQL, or on SQLite); `close` (in the runner's `finally`) undoes whatever got done.
 */
export class BenchDatabase {
  embedded: EmbeddedDatabase | null = null;
  database: Database | null = null;

  private readonly config: { mongoUri?: string | undefined; embeddedPostgresUrl?: string | undefined };
  readonly dbName: string;

  constructor(config: { mongoUri?: string | undefined; embeddedPostgresUrl?: string | undefined }, dbName: string) {
    this.config = config;
    this.dbName = dbName;
  }

  async open(): Promise<{ uri: string; dbName: string; database: Database }> {
    let uri = this.config.mongoUri;
    if (!uri) {
      log('MONGO_URI not set: starting the embedded database');
      this.embedded = await startEmbeddedDatabase({ postgresUrl: this.config.embeddedPostgresUrl, log });
      uri = this.embedded.uri;
    }
    const database = await connectDatabase({ uri, dbName: this.dbName });
    this.database = database;
    return { uri, dbName: this.dbName, database };
  }

  /** Logs which server it is, and returns it as the results name it: `FerretDB x (embedded, …)` or `MongoDB x (MONGO_URI)`. */
  async describe(): Promise<string> {
    const { database, embedded, dbName } = this;
    if (!database) throw new Error('the database is not open');
    const buildInfo = (await database.db.admin().command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string };
    const engine = buildInfo.ferretdbVersion ? `FerretDB ${buildInfo.ferretdbVersion}` : `MongoDB ${buildInfo.version ?? '?'}`;
    log(`database: ${engine}, db "${dbName}"${embedded ? ` (embedded, ${embedded.engine})` : ''}`);
    return `${engine}${embedded ? ` (embedded, ${embedded.engine})` : ' (MONGO_URI)'}`;
  }

  /** Closes the connection (dropping the bench's database first when `drop`) and stops the embedded database. */
  async close(drop: boolean): Promise<void> {
    if (this.database) {
      if (drop) await this.database.db.dropDatabase().catch(() => {});
      await this.database.close();
    }
    await this.embedded?.stop();
  }
}

/** Signs in over REST; the access token. */
export async function login(base: string, email: string, password: string): Promise<string> {
  const res = await send({ method: 'POST', url: `${base}/api/v1/auth/login`, body: { email, password } });
  if (res.status !== 200) throw new Error(`login of ${email} → ${res.status}: ${res.body.slice(0, 200)}`);
  return (JSON.parse(res.body) as { accessToken: string }).accessToken;
}

/** Where the runners write their JSON results (and profiles, snapshots): bench/results/. */
export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

/** Writes `data` as bench/results/<file>, indented. */
export function writeResults(file: string, data: unknown): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, file), JSON.stringify(data, null, 2) + '\n');
}

/** The machine, as the results' meta records it. */
export function machine(): { node: string; cpus: number; cpuModel: string } {
  return { node: process.version, cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown' };
}

/** A runner's entry point: exits with main's code, or 1 after printing what it threw. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
