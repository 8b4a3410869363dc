// What the WebSocket load generators (realtime-clients.ts, chat-clients.ts) share: a frame's bytes, closing every
// socket at the end, and answering the runner's requests.
import { WebSocket, type RawData } from 'ws';
import { errorMessage } from './child.ts';

export const asBuffer = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

/** Closes every open socket (1000), terminating any that has not closed 5 s later. */
export async function closeSockets(sockets: readonly (WebSocket | null | undefined)[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (!ws || ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(1000);
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 5_000).unref();
        }),
    ),
  );
}

/** Answers each of the runner's messages with what `handle` resolves to, or an `error` message; exits when the runner goes. */
export function answerRunner<To, From>(handle: (msg: To) => Promise<From>): void {
  const reply = (msg: From | { type: 'error'; message: string }) => process.send?.(msg);
  process.on('message', (msg: To) => {
    handle(msg).then(reply, (err: unknown) => reply({ type: 'error', message: errorMessage(err) }));
  });
  process.on('disconnect', () => process.exit(0));
}

/**
 * A connection attempt settled once: `done` resolves with `value`; `fail` (also on a timeout, an error, or a close
 * before it was ready) terminates the socket and rejects with `prefix` + why. Once ready, a close calls `onClosed`.
 */
export function attempt<T>(
  ws: WebSocket,
  timeoutMs: number,
  settle: { resolve: (value: T) => void; reject: (err: Error) => void; value: T; prefix?: string; onClosed: () => void },
) {
  const state = {
    ready: false,
    fail(why: string) {
      if (state.ready) return;
      state.ready = true;
      clearTimeout(timer);
      ws.terminate();
      settle.reject(new Error(`${settle.prefix ?? ''}${why}`));
    },
    done() {
      state.ready = true;
      clearTimeout(timer);
      settle.resolve(settle.value);
    },
  };
  const timer = setTimeout(() => state.fail(`not ready within ${timeoutMs / 1000} s`), timeoutMs);
  ws.on('close', (code) => (state.ready ? settle.onClosed() : state.fail(`closed (${code}) before it was ready`)));
  ws.on('error', (err) => state.fail(err.message));
  return state;
}
