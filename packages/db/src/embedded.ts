import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir, userInfo } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import pg from 'pg';

export type EmbeddedEngine = 'mongod' | 'ferretdb-postgresql' | 'ferretdb-sqlite';

export interface EmbeddedDatabase {
  uri: string;
  engine: EmbeddedEngine;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Where the database keeps its files; omitted = a throw-away store, removed by stop(). */
  dataDir?: string;
  /**
   * A PostgreSQL server for FerretDB's PostgreSQL handler (any database on it: a database of our own is
   * created beside it). Default `postgres://<OS user>@127.0.0.1:5432/postgres`; `off` skips PostgreSQL.
   */
  postgresUrl?: string;
  log?: (msg: string) => void;
}

/** scripts/install-ferretdb.sh of this repository, found from the source file or from a bundle in apps/server/dist. */
function installScript(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'scripts', 'install-ferretdb.sh');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * A local MongoDB-wire database for development and tests, the first of: a real mongod (on PATH, in
 * mongodb-memory-server's cache, or downloaded by it); FerretDB on PostgreSQL when a PostgreSQL server
 * answers; FerretDB on SQLite. FerretDB is built from the Go module proxy when it is not installed yet.
 */
export async function startEmbeddedDatabase(opts: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const log = opts.log ?? (() => {});
  try {
    return await startMongod(opts);
  } catch (err) {
    log(`no mongod (${firstLine(err)}); using FerretDB`);
  }
  const postgres = opts.postgresUrl === 'off' ? null : await postgresDatabase(opts, log);
  return startFerretDb(opts, postgres, log);
}

const MONGOD_DOWNLOAD_HOST = 'fastdl.mongodb.org';

const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 200);

/**
 * A mongod on PATH or in mongodb-memory-server's cache, else its download. A machine that cannot resolve the
 * download host is told by one look-up, instead of retried downloads (~7 s) and a printed stack.
 */
async function findMongod(): Promise<string> {
  const onPath = (process.env.PATH ?? '').split(delimiter).map((d) => d && join(d, 'mongod')).find((c) => c && existsSync(c));
  if (onPath) return onPath;
  const { DryMongoBinary, MongoBinary } = await import('mongodb-memory-server-core');
  const cached = await DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions());
  if (cached) return cached;
  await lookup(MONGOD_DOWNLOAD_HOST);
  return MongoBinary.getPath();
}

async function startMongod(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const systemBinary = await withTimeout(findMongod(), 60_000, 'no mongod binary within 60 s');
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  if (opts.dataDir) mkdirSync(join(opts.dataDir, 'mongod'), { recursive: true });
  const server = await withTimeout(
    MongoMemoryServer.create({
      binary: { systemBinary },
      instance: {
        ip: '127.0.0.1',
        ...(opts.dataDir ? { dbPath: join(opts.dataDir, 'mongod'), storageEngine: 'wiredTiger' as const } : {}),
      },
    }),
    60_000,
    'mongod did not start within 60 s',
  );
  return { uri: server.getUri(), engine: 'mongod', stop: async () => void (await server.stop({ doCleanup: !opts.dataDir })) };
}

interface PostgresDatabase {
  url: string;
  /** Drops a throw-away database; keeps a persistent one. */
  release(): Promise<void>;
}

/**
 * A PostgreSQL database of FerretDB's own, or null when no server answers. With a data directory it is
 * persistent and named after that directory; a marker file there says it was made for it, so deleting the
 * directory starts over, as it does with SQLite. Without one it is created now and dropped by release().
 */
async function postgresDatabase(opts: EmbeddedOptions, log: (msg: string) => void): Promise<PostgresDatabase | null> {
  const serverUrl = new URL(opts.postgresUrl ?? `postgres://${encodeURIComponent(userInfo().username)}@127.0.0.1:5432/postgres`);
  const admin = new pg.Client({ connectionString: serverUrl.href, connectionTimeoutMillis: 2_000 });
  admin.on('error', () => {});
  try {
    await admin.connect();
  } catch (err) {
    log(`no PostgreSQL at ${serverUrl.host} (${firstLine(err)}); FerretDB uses SQLite`);
    await admin.end().catch(() => {});
    return null;
  }
  const persistent = opts.dataDir !== undefined;
  const marker = persistent ? join(opts.dataDir!, 'ferretdb-postgresql') : null;
  const name = persistent
    ? `clinic_${createHash('sha256').update(resolve(opts.dataDir!)).digest('hex').slice(0, 12)}`
    : `clinic_tmp_${process.pid}_${randomBytes(4).toString('hex')}`;
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
    const fresh = !(marker && existsSync(marker));
    if (exists && fresh) await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
    if (!exists || fresh) await admin.query(`CREATE DATABASE "${name}"`);
    if (marker) {
      mkdirSync(opts.dataDir!, { recursive: true });
      writeFileSync(marker, `${name}\n`);
    }
  } finally {
    await admin.end().catch(() => {});
  }
  const url = new URL(serverUrl.href);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async release() {
      if (persistent) return;
      const c = new pg.Client({ connectionString: serverUrl.href, connectionTimeoutMillis: 2_000 });
      c.on('error', () => {});
      try {
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } catch (err) {
        log(`could not drop PostgreSQL database ${name}: ${firstLine(err)}`);
      } finally {
        await c.end().catch(() => {});
      }
    },
  };
}

function findFerretDb(): string | undefined {
  const candidates = [
    process.env.FERRETDB_BIN,
    ...(process.env.PATH ?? '').split(delimiter).map((d) => d && join(d, 'ferretdb')),
    join(homedir(), '.local/bin/ferretdb'),
    join(homedir(), 'go/bin/ferretdb'),
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

async function startFerretDb(opts: EmbeddedOptions, postgres: PostgresDatabase | null, log: (msg: string) => void): Promise<EmbeddedDatabase> {
  let bin = findFerretDb();
  if (!bin) {
    log('FerretDB not found; building it with Go (first run only, about three minutes)…');
    const script = installScript();
    const res = script ? spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }) : null;
    if (res?.status !== 0) throw new Error('could not build FerretDB: install Go or set MONGO_URI');
    bin = res!.stdout.trim().split('\n').pop()!;
  }
  const throwAway = !opts.dataDir;
  const dataDir = opts.dataDir ? join(opts.dataDir, 'ferretdb') : join(tmpdir(), `ferretdb-${process.pid}-${Date.now()}`);
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const handler = postgres ? ['--handler=pg', `--postgresql-url=${postgres.url}`] : ['--handler=sqlite', `--sqlite-url=file:${dataDir}/`];
  const child = spawn(
    bin,
    ['--telemetry=disable', `--listen-addr=127.0.0.1:${port}`, `--state-dir=${dataDir}`, '--debug-addr=-', ...handler, '--log-level=error'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
  const uri = `mongodb://127.0.0.1:${port}/`;
  try {
    await waitUntilReachable(uri, child, () => stderr);
  } catch (err) {
    await postgres?.release();
    throw err;
  }
  return {
    uri,
    engine: postgres ? 'ferretdb-postgresql' : 'ferretdb-sqlite',
    async stop() {
      await stopChild(child);
      await postgres?.release();
      if (throwAway) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitUntilReachable(uri: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited with ${child.exitCode}: ${stderr()}`);
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, directConnection: true });
    try {
      await client.db('admin').command({ ping: 1 });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await client.close();
    }
  }
  child.kill('SIGKILL');
  throw new Error(`FerretDB did not answer within 30 s: ${stderr()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      res();
    });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(message)), ms);
    }),
  ]);
}
