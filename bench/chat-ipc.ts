// Messages between the chat bench's runner (chat.ts), the server processes it forks (chat-server.ts: the real app,
// with or without the Redis bus, or a bare `ws` relay) and its load generator (chat-clients.ts).

/** Environment the runner hands to a server process. */
export const CHAT_ENV = {
  role: 'BENCH_CHAT_ROLE',
  mongoUri: 'BENCH_MONGO_URI',
  dbName: 'BENCH_DB_NAME',
  /** Real role only: the Redis event bus (as REDIS_URL does for the server); absent = the in-process bus. */
  redisUrl: 'BENCH_REDIS_URL',
} as const;

/** `real`: buildApp, tRPC over WebSocket on GET /trpc. `relay`: a `ws` server forwarding each frame to the pair's other socket. */
export type Role = 'real' | 'relay';

export type ToServer = { type: 'shutdown' } | { type: 'commands' };
/** `commands`: database commands sent since the last ask, by `<command> <collection>` (real role; the relay has none). */
export type FromServer = { type: 'ready'; port: number } | { type: 'commands'; counts: Record<string, number> } | { type: 'error'; message: string };

export interface Participant {
  userId: string;
  /** Access token (real side). */
  token: string;
  /** ws://127.0.0.1:<port> of the server this participant connects to. */
  ws: string;
}

export interface PairPlan {
  /** The chat thread's id (real side); the pair's index on the relay. */
  threadId: string;
  patient: Participant;
  doctor: Participant;
}

export interface ConnectPlan {
  side: 'real' | 'relay';
  pairs: PairPlan[];
  concurrency: number;
}

export interface RunPlan {
  /** Names the run's clientMessageIds (unique per run). */
  label: string;
  /** Messages per second over all pairs (open loop). */
  rate: number;
  seconds: number;
  /** `both`: each pair's patient and doctor send in turn; `patient`: only the patient sends (one writer process per thread). */
  directions: 'both' | 'patient';
  /** Characters of each message's text. */
  textChars: number;
  /** Relay side: the size (bytes) the recipient's frame is padded to (the real side's delivered frame). */
  relayFrameBytes: number;
  /** After the last send, how long to wait for answers and deliveries. */
  drainMs: number;
  /** Sending stops when more than this many sends are unanswered (real) or undelivered (relay). */
  maxOutstanding: number;
}

export interface Counts {
  /** Messages due in the schedule / sent (frames written). */
  scheduled: number;
  sent: number;
  /** Real: sends answered with the stored message; failed with an error (other than a rate limit); never answered. */
  acked: number;
  failed: number;
  unanswered: number;
  /** Real: sends refused by the rate limit (429) and sent again, same clientMessageId, after a second. */
  rateLimitedRetries: number;
  /** Delivered to their recipient once / more than once (the extra copies) / never (though acknowledged, or sent on the relay). */
  received: number;
  duplicates: number;
  lost: number;
  /** Frames on a recipient's subscription that match no message of the run, or reached the wrong user. */
  wrong: number;
  /** Real: the sender's own copy of its message (each participant's stream carries both sides'), and `delivered` events. */
  echoes: number;
  echoDuplicates: number;
  deliveredEvents: number;
  otherEvents: number;
}

export interface RunResult {
  label: string;
  side: 'real' | 'relay';
  counts: Counts;
  /** ms from each message's due time (the generator's clock) to its receipt at the recipient. */
  latency: number[];
  /** Real: ms from due to the send's answer (the stored message). */
  ackLatency: number[];
  /** Largest delay of a send behind its due time (the generator's own lag). */
  maxSendLagMs: number;
  /** Sending stopped early: too many sends outstanding (ms into the run), or null. */
  saturatedAtMs: number | null;
  wallMs: number;
  /** Messages delivered per second, from the first one due to the last receipt: what the side managed. */
  deliveredPerSecond: number;
  /** Bytes of the frames the recipients got (real: the `message` event) and of the frames sent. */
  recvFrameBytes: { min: number; max: number; median: number };
  sentFrameBytes: { min: number; max: number };
  errors: string[];
}

export interface ConnectResult {
  connected: number;
  failed: number;
  wallMs: number;
  errors: string[];
}

export type ToClients = { type: 'connect'; plan: ConnectPlan } | { type: 'run'; plan: RunPlan } | { type: 'status' } | { type: 'close' };

export type FromClients =
  | { type: 'connected'; result: ConnectResult }
  | { type: 'ran'; result: RunResult }
  | { type: 'status'; open: number; closed: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };
