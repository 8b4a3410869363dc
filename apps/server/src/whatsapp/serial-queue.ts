/**
 * Work queued per key (a phone number) runs one task at a time, in the order it was queued; different
 * keys run side by side. In-process only: see the note in routes/whatsapp.ts about several processes.
 */
export function createSerialQueue(onError: (err: unknown, key: string) => void) {
  const tails = new Map<string, Promise<void>>();
  const running = new Set<Promise<void>>();

  return {
    enqueue(key: string, task: () => Promise<void>): Promise<void> {
      const run = (tails.get(key) ?? Promise.resolve()).then(task).catch((err: unknown) => onError(err, key));
      tails.set(key, run);
      running.add(run);
      void run.finally(() => {
        running.delete(run);
        if (tails.get(key) === run) tails.delete(key);
      });
      return run;
    },

    /** Tasks queued or running (for tests and shutdown). */
    get size() {
      return running.size;
    },

    /** Waits for everything queued so far, at most `timeoutMs`; true when all of it finished. */
    async drain(timeoutMs: number): Promise<boolean> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      try {
        while (running.size > 0) {
          const done = await Promise.race([Promise.all([...running]).then(() => true as const), timeout]);
          if (!done) return false;
        }
        return true;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
export type SerialQueue = ReturnType<typeof createSerialQueue>;
