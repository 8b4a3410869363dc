// Messages between the real-time bench's runner (realtime.ts), the server processes it forks (realtime-server.ts:
// the real app, or a bare `ws` server) and the load generators it forks (realtime-clients.ts).

/** Environment the runner hands to a server process. */
export const RT_ENV = {
  role: 'BENCH_RT_ROLE',
  mongoUri: 'BENCH_MONGO_URI',
  dbName: 'BENCH_DB_NAME',
} as const;

/** `real`: buildApp, tRPC subscriptions on GET /trpc. `bare`: a `ws` server that broadcasts one buffer to every socket. */
export type Side = 'real' | 'bare';

/** The bare server's trigger: POST here with `{ round, bytes }`; it stamps `at`, sends, then answers. */
export const BARE_BROADCAST_PATH = '/broadcast';

export interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /**
   * V8's young generation (committed; it grows under allocation, up to --max-semi-space-size per semi-space, and
   * RSS counts it) and old generation (committed, and in use): where heapTotal − heapUsed goes.
   */
  newSpace: number;
  oldSpace: number;
  oldSpaceUsed: number;
  /** WebSocket connections the server holds at this moment. */
  sockets: number;
}

/** A function's share of the CPU profile's samples (self time, not counting what it calls). */
export interface HotFunction {
  fn: string;
  /** file:line, shortened to the repository or node_modules. */
  where: string;
  selfMs: number;
  share: number;
}

/** Live heap by node type and constructor (or closure) name, from a heap snapshot: count and self bytes. */
export type HeapCensus = Record<string, { count: number; bytes: number }>;

export type ToServer =
  | { type: 'memory' }
  | { type: 'cpu' }
  | { type: 'profile-start' }
  | { type: 'profile-stop'; file: string }
  | { type: 'heap'; file: string }
  | { type: 'shutdown' };
export type FromServer =
  | { type: 'ready'; port: number }
  | { type: 'memory'; memory: Memory }
  /** CPU time this process has used so far (user + system, ms): the difference over a round is its cost. */
  | { type: 'cpu'; ms: number }
  | { type: 'profiling' }
  /** The profile was written to `file`; its hottest functions by self time. */
  | { type: 'profiled'; file: string; totalMs: number; busyMs: number; top: HotFunction[] }
  /** A heap snapshot was written to `file`; its census. */
  | { type: 'heap'; file: string; census: HeapCensus }
  | { type: 'error'; message: string };

export interface ConnectPlan {
  side: Side;
  /** ws://127.0.0.1:<port> */
  baseUrl: string;
  clients: number;
  /** Connections being opened (and, on the real side, subscribed) at once. */
  concurrency: number;
  /** Real side: access tokens of the clinic's staff, used in turn (connection i gets tokens[i % length]). */
  tokens: string[];
}

export interface ConnectResult {
  connected: number;
  failed: number;
  /** Connections that failed and were opened again (up to 2 retries each). */
  retries: number;
  wallMs: number;
  /** The first few reasons for failures. */
  errors: string[];
}

/** What starts a round's event: a booking over REST (real), or the bare server's broadcast. */
export interface Trigger {
  url: string;
  body: unknown;
  token?: string;
}

export interface RoundResult {
  round: number;
  /** HTTP status of the trigger request, and how long it took to answer (ms). */
  status: number;
  triggerMs: number;
  /** Clients that got the round's frame / that were open when it started. */
  received: number;
  expected: number;
  /** Frames that were not the expected event (wrong kind, id or round), and second frames to one client. */
  wrong: number;
  duplicates: number;
  /** Per receiving client, ms from the trigger request's send, and from the event's `at` (when it was stored / stamped). */
  fromSend: number[];
  fromAt: number[];
  /** Size of the delivered frame (bytes), smallest and largest. */
  frameBytes: { min: number; max: number };
  /** The event's `at` (ISO) and, on the real side, the booked appointment's id. */
  at: string | null;
  appointmentId: string | null;
  errors: string[];
}

export type ToClients =
  | { type: 'connect'; plan: ConnectPlan }
  | { type: 'round'; round: number; trigger: Trigger; timeoutMs: number }
  | { type: 'status' }
  | { type: 'close' };

export type FromClients =
  | { type: 'connected'; result: ConnectResult }
  | { type: 'round'; result: RoundResult }
  /** Sockets still open, and closes / frames seen outside a round since connecting. */
  | { type: 'status'; open: number; closed: number; unexpected: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };
