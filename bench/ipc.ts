// Messages between the bench runner (load generator) and the server process it forks.

/** Environment the runner hands to the server process. */
export const SERVER_ENV = {
  mongoUri: 'BENCH_MONGO_URI',
  dbName: 'BENCH_DB_NAME',
} as const;

/** Baseline bookings go to a copy of the appointments collection, so real and baseline never collide. */
export const BASELINE_APPOINTMENTS = 'bench_baseline_appointments';

export type ToServer =
  | { type: 'count-start' }
  | { type: 'count-stop' }
  | { type: 'shutdown' };

export type FromServer =
  | { type: 'ready'; realPort: number; baselinePort: number }
  | { type: 'counting' }
  | { type: 'counted'; commands: Record<string, number> }
  | { type: 'error'; message: string };
