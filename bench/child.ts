// The IPC between a bench's runner and its forked processes, both sides. Its only runtime imports are built-ins a
// forked process has loaded already (Node sets up the IPC channel with child_process; the ESM loader uses url), so
// that a bare server's process loads nothing it does not need.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type Message = { type: string };

/** The error as a forked process reports it to its parent. */
export const errorMessage = (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err));

/** The next message of `type` from `child`; an `error` message or an exit rejects, naming `what`. */
export function next<M extends { type: string }, T extends M['type']>(child: ChildProcess, type: T, what: string): Promise<Extract<M, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: M) => {
      if (msg.type === 'error') done(() => reject(new Error(`${what}: ${(msg as unknown as { message: string }).message}`)));
      else if (msg.type === type) done(() => resolve(msg as Extract<M, { type: T }>));
    };
    const onExit = (code: number | null) => done(() => reject(new Error(`${what} exited (${code})`)));
    const done = (settle: () => void) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      settle();
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Sends a message to `child` and resolves with its next message of type `answer` (listening before sending). */
export function asker<To extends Message, From extends Message>(child: ChildProcess, what: string) {
  return <T extends From['type']>(msg: To, answer: T): Promise<Extract<From, { type: T }>> => {
    const reply = next<From, T>(child, answer, what);
    child.send(msg);
    return reply;
  };
}

/** Forks `file` with an IPC channel (stdout and stderr inherited). */
export function forkChild(file: URL | string, options: { env?: Record<string, string>; args?: string[]; execArgv?: string[] } = {}): ChildProcess {
  return fork(fileURLToPath(file), options.args ?? [], {
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    ...(options.execArgv ? { execArgv: options.execArgv } : {}),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** A forked server process that has answered `ready`. */
export interface ForkedServer<To extends Message, From extends Message> {
  child: ChildProcess;
  pid: number;
  ready: Extract<From, { type: 'ready' }>;
  ask: ReturnType<typeof asker<To, From>>;
  /** Sends `shutdown` and waits for the exit; SIGKILL if it has not exited 15 s later. */
  stop(): Promise<void>;
}

/** Forks a server process (its messages `To`/`From` both include `shutdown`/`ready`) and waits for its `ready`. */
export async function forkServer<To extends Message, From extends Message>(
  file: URL | string,
  name: string,
  options: { env?: Record<string, string>; args?: string[]; execArgv?: string[] } = {},
): Promise<ForkedServer<To, From>> {
  const child = forkChild(file, { env: {}, ...options });
  const ready = (await next<From, From['type']>(child, 'ready', name)) as Extract<From, { type: 'ready' }>;
  return {
    child,
    pid: child.pid!,
    ready,
    ask: asker<To, From>(child, name),
    async stop() {
      if (child.exitCode !== null || !child.connected) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'shutdown' });
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

/** A server's loopback URLs on `port`. */
export const loopback = (port: number) => ({ http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` });
