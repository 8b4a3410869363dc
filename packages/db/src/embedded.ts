import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';

export interface EmbeddedDatabase {
  uri: string;
  engine: 'mongod' | 'ferretdb';
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Where the database keeps its files; omitted = a throw-away in-memory/temporary store. */
  dataDir?: string;
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
 * A local MongoDB-wire database for development and tests: a real mongod through
 * mongodb-memory-server when one can be had (downloaded or on the machine), otherwise FerretDB
 * on SQLite, built from the Go module proxy when it is not installed yet.
 */
export async function startEmbeddedDatabase(opts: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const log = opts.log ?? (() => {});
  try {
    return await startMongod(opts);
  } catch (err) {
    log(`embedded mongod unavailable (${(err as Error).message.split('\n')[0]}); using FerretDB`);
  }
  return startFerretDb(opts, log);
}

async function startMongod(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  if (opts.dataDir) mkdirSync(join(opts.dataDir, 'mongod'), { recursive: true });
  const server = await withTimeout(
    MongoMemoryServer.create({
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

function findFerretDb(): string | undefined {
  const candidates = [
    process.env.FERRETDB_BIN,
    ...(process.env.PATH ?? '').split(delimiter).map((d) => d && join(d, 'ferretdb')),
    join(homedir(), '.local/bin/ferretdb'),
    join(homedir(), 'go/bin/ferretdb'),
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

async function startFerretDb(opts: EmbeddedOptions, log: (msg: string) => void): Promise<EmbeddedDatabase> {
  let bin = findFerretDb();
  if (!bin) {
    log('FerretDB not found; building it with Go (first run only, about a minute)…');
    const script = installScript();
    const res = script ? spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }) : null;
    if (res?.status !== 0) throw new Error('could not build FerretDB: install Go or set MONGO_URI');
    bin = res!.stdout.trim().split('\n').pop()!;
  }
  const dataDir = opts.dataDir ? join(opts.dataDir, 'ferretdb') : join(tmpBase(), `ferretdb-${process.pid}-${Date.now()}`);
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    bin,
    [
      '--telemetry=disable',
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${dataDir}`,
      '--debug-addr=-',
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
  const uri = `mongodb://127.0.0.1:${port}/`;
  await waitUntilReachable(uri, child, () => stderr);
  return {
    uri,
    engine: 'ferretdb',
    stop: () => stopChild(child),
  };
}

function tmpBase(): string {
  return process.env.TMPDIR ?? '/tmp';
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
