// The forked processes' side of the IPC that every bench shares; no imports beyond types, so that a bare server's
// process loads nothing it does not need.
import type { ChildProcess } from 'node:child_process';

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
