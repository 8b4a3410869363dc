import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import twilio from 'twilio';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A message the server asked "Twilio" to send: the form fields as posted by the Twilio SDK. */
export interface CapturedMessage {
  sid: string;
  accountSid: string;
  /** From, To, Body, ContentSid, ContentVariables, StatusCallback, … */
  params: Record<string, string>;
  /** The Basic credentials the SDK sent (`sid:token`). */
  credentials: string;
  /** Position among this endpoint's events when the request came in, and when it was answered. */
  arrived: number;
  answered: number | null;
}

export interface TwilioFailure {
  code: number;
  message: string;
}

export interface TwilioSimOptions {
  /** Default: random. Fixed values let a separately started server be configured with them. */
  accountSid?: string;
  authToken?: string;
  /** Default: a free port. */
  port?: number;
  /** Called for every message accepted for sending. */
  onMessage?: (message: CapturedMessage) => void;
}

/**
 * A local HTTP endpoint playing Twilio's REST API for the real Twilio SDK (through its `httpClient`,
 * TWILIO_API_BASE_URL): `POST /2010-04-01/Accounts/{sid}/Messages.json` is captured and answered with a
 * message resource as Twilio would (201, JSON, a fresh `SM…` sid, status `queued`). Checks the account's
 * Basic credentials. Used by the tests and by the terminal chat (`npm run whatsapp-sim`).
 */
export async function startTwilioSim(opts: TwilioSimOptions = {}) {
  const accountSid = opts.accountSid ?? `AC${hex(16)}`;
  const authToken = opts.authToken ?? hex(16);
  const messages: CapturedMessage[] = [];
  let events = 0;
  let failWhen: (params: Record<string, string>) => TwilioFailure | null = () => null;
  let delayFor: (params: Record<string, string>, index: number) => number = () => 0;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, code: number, message: string) =>
    send(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/.exec(url.pathname);
    if (req.method !== 'POST' || !path) return error(res, 404, 20404, 'The requested resource was not found');
    const credentials = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    if (path[1] !== accountSid || credentials !== `${accountSid}:${authToken}`) return error(res, 401, 20003, 'Authenticate');
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
    if (!params.To || !params.From || (!params.Body && !params.ContentSid)) return error(res, 400, 21619, 'A text message body or media urls must be specified.');
    const failure = failWhen(params);
    if (failure) return error(res, 400, failure.code, failure.message);

    const sid = `SM${hex(16)}`;
    const captured: CapturedMessage = { sid, accountSid, params, credentials, arrived: ++events, answered: null };
    const index = messages.push(captured) - 1;
    opts.onMessage?.(captured);
    const delay = delayFor(params, index);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    captured.answered = ++events;
    const now = new Date().toUTCString().replace('GMT', '+0000');
    send(res, 201, {
      sid,
      account_sid: accountSid,
      api_version: '2010-04-01',
      body: params.Body ?? '',
      date_created: now,
      date_updated: now,
      date_sent: null,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: params.From,
      to: params.To,
      messaging_service_sid: null,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      status: 'queued',
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => error(res, 500, 20500, String(err)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    messages,
    /** Messages sent to one address (`whatsapp:+971…` or `+971…`). */
    to: (address: string) => messages.filter((m) => m.params.To === address),
    /** Answer matching sends with a Twilio error (400) instead of sending them. */
    failWhen(fn: (params: Record<string, string>) => TwilioFailure | null) {
      failWhen = fn;
    },
    /** Hold the answer to a send (captured at once) for the milliseconds returned. */
    delay(fn: (params: Record<string, string>, index: number) => number) {
      delayFor = fn;
    },
    reset() {
      failWhen = () => null;
      delayFor = () => 0;
    },
    /** The X-Twilio-Signature Twilio would send for these parameters posted to `url` (the SDK's own helper). */
    sign: (url: string, params: Record<string, string>) => twilio.getExpectedTwilioSignature(authToken, url, params),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type TwilioSim = Awaited<ReturnType<typeof startTwilioSim>>;

let seq = 0;
/** A Twilio-looking MessageSid, unique in the run. */
export const messageSid = () => `SM${hex(12)}${(seq++).toString(16).padStart(8, '0')}`;

/** An inbound WhatsApp webhook's form fields, as Twilio posts them. */
export function inboundParams(api: Pick<TwilioSim, 'accountSid'>, from: string, body: string, extra: Record<string, string> = {}): Record<string, string> {
  const sid = extra.MessageSid ?? messageSid();
  return {
    SmsMessageSid: sid,
    NumMedia: '0',
    ProfileName: 'Test Patient',
    MessageType: 'text',
    SmsSid: sid,
    WaId: from.replace(/^\+/, ''),
    SmsStatus: 'received',
    Body: body,
    // The platform's shared number; `extra.To` writes to a clinic's own.
    To: 'whatsapp:+14155238886',
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: sid,
    AccountSid: api.accountSid,
    From: `whatsapp:${from}`,
    ApiVersion: '2010-04-01',
    ...extra,
  };
}


/** A tapped quick-reply button's webhook: Twilio posts the button's title as Body and ButtonText, its id as ButtonPayload. */
export function buttonParams(api: Pick<TwilioSim, 'accountSid'>, from: string, payload: string, title: string, extra: Record<string, string> = {}): Record<string, string> {
  return inboundParams(api, from, title, { MessageType: 'button', ButtonText: title, ButtonPayload: payload, ...extra });
}

/** One number the terminal chat speaks as, with the WhatsApp profile name it sends. */
export interface SimPerson {
  phone: string;
  name: string;
}

/**
 * The numbers `whatsapp-sim` speaks as: `+971501234567` or `+971501234567=Aisha` (a profile name of its own); none:
 * one default number. Throws naming an argument that is not an E.164 number, or a number given twice.
 */
export function parseSimPeople(args: readonly string[]): SimPerson[] {
  const people = (args.length > 0 ? args : ['+971501234567']).map((arg, i) => {
    const [phone = '', ...name] = arg.split('=');
    if (!/^\+[1-9]\d{6,14}$/.test(phone)) throw new Error(`"${phone}" is not an E.164 number such as +971501234567`);
    return { phone, name: name.join('=').trim() || `Local tester ${i + 1}` };
  });
  const seen = new Set<string>();
  for (const p of people) {
    if (seen.has(p.phone)) throw new Error(`${p.phone} is given twice`);
    seen.add(p.phone);
  }
  return people;
}

/**
 * What a typed line means with several numbers: `2: hello` sends "hello" once as the second number, `/as 2` (or
 * `/as +9715…`, `/as Aisha`) makes it the one that speaks, anything else is sent by the current one.
 */
export function simLine(line: string, people: readonly SimPerson[], current: number): { send: { as: number; text: string } } | { switchTo: number } | { error: string } | null {
  const text = line.trim();
  if (!text) return null;
  const find = (who: string): number => {
    const n = /^\d{1,2}$/.test(who) ? Number(who) - 1 : people.findIndex((p) => p.phone === who || p.name.toLowerCase() === who.toLowerCase());
    return n >= 0 && n < people.length ? n : -1;
  };
  const as = /^\/as\s+(.+)$/i.exec(text);
  if (as) {
    const n = find(as[1]!.trim());
    return n < 0 ? { error: `no number "${as[1]!.trim()}" here: ${people.map((p, i) => `${i + 1} ${p.name} ${p.phone}`).join(', ')}` } : { switchTo: n };
  }
  const once = people.length > 1 ? /^(\d{1,2}):\s*(.+)$/.exec(text) : null;
  if (once) {
    const n = find(once[1]!);
    if (n >= 0) return { send: { as: n, text: once[2]! } };
  }
  return { send: { as: current, text } };
}
