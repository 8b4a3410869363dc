// `npm run whatsapp-sim -w @clinic/server [-- +971501234567=Aisha +971502222222=Omar --to +97145550100 --server http://127.0.0.1:3000 --port 4020]`:
// chat with the clinic's WhatsApp assistant from the terminal, with no Twilio account and no tunnel, as one or
// several numbers (each with its own profile name). This process plays both sides of Twilio: lines you type are
// posted to the server's webhook, signed as Twilio signs them; every message the server sends through the Twilio
// SDK (TWILIO_API_BASE_URL pointed here) is printed under the number it went to: the assistant's replies, staff
// replies from the inbox, reminders. `--to` writes to a clinic's own WhatsApp number instead of the shared one.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { WHATSAPP_WEBHOOK_PATH } from '../routes/whatsapp.ts';
import { inboundParams, parseSimPeople, simLine, startTwilioSim, type CapturedMessage } from './twilio-sim.ts';

// Fixed, obviously fake credentials so the server's .env can name them once.
const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const AUTH_TOKEN = 'local-whatsapp-sim-token';
const SHARED_NUMBER = '+14155238886';
const args = parseArgs({ allowPositionals: true, options: { server: { type: 'string', default: 'http://127.0.0.1:3000' }, port: { type: 'string', default: '4020' }, to: { type: 'string', default: SHARED_NUMBER } } });
const port = Number(args.values.port);
// The server's PUBLIC_BASE_URL: Twilio signs for the URL it was given, so the sim signs for this one.
const publicBaseUrl = args.values.server.replace(/\/+$/, '');
const people = parseSimPeople(args.positionals);
if (!/^\+[1-9]\d{6,14}$/.test(args.values.to)) throw new Error(`"${args.values.to}" is not an E.164 number such as +971501234567`);
let current = 0;
const label = (i: number) => `${people[i]!.name} ${people[i]!.phone}`;
const prompt = () => (people.length > 1 ? `[${label(current)}]> ` : '> ');

const show = (m: CapturedMessage) => {
  const to = (m.params.To ?? '').replace(/^whatsapp:/, '');
  const from = (m.params.From ?? '').replace(/^whatsapp:/, '');
  let text = m.params.Body;
  if (text === undefined) {
    // A template (outside the 24-hour window): its `text` variable when it has one, else the variables.
    let vars: Record<string, string> = {};
    try {
      vars = JSON.parse(m.params.ContentVariables ?? '{}') as Record<string, string>;
    } catch {
      // shown raw below
    }
    text = `[template ${m.params.ContentSid}] ${vars.text ?? m.params.ContentVariables ?? ''}`;
  }
  const who = people.findIndex((p) => p.phone === to);
  const head = who < 0 ? `${from} → ${to}` : people.length > 1 ? `${from} → ${label(who)}` : from === args.values.to ? 'clinic' : `clinic ${from}`;
  process.stdout.write(`\n${head}: ${text.replace(/\n/g, '\n        ')}\n${prompt()}`);
};
const sim = await startTwilioSim({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, port, onMessage: show });

console.log(`Twilio stand-in at ${sim.url}. Start the server (npm run dev) with these in .env:

TWILIO_SID=${ACCOUNT_SID}
TWILIO_AUTH_TOKEN=${AUTH_TOKEN}
TWILIO_WHATSAPP_FROM=whatsapp:${SHARED_NUMBER}
TWILIO_API_BASE_URL=${sim.url}
PUBLIC_BASE_URL=${publicBaseUrl}

Writing to ${args.values.to} as ${people.map((_, i) => `${i + 1} ${label(i)}`).join(', ')}.
Type a message (e.g. "hi")${people.length > 1 ? '; "2: hi" sends once as number 2, "/as 2" switches to it' : ''}; Ctrl-D to quit.`);

const webhook = `${publicBaseUrl}/api/v1${WHATSAPP_WEBHOOK_PATH}`;
const rl = createInterface({ input: process.stdin, output: process.stdout });
rl.setPrompt(prompt());
rl.prompt();
for await (const line of rl) {
  const what = simLine(line, people, current);
  if (what && 'error' in what) console.log(what.error);
  if (what && 'switchTo' in what) current = what.switchTo;
  if (what && 'send' in what) {
    const person = people[what.send.as]!;
    const params = inboundParams(sim, person.phone, what.send.text, { ProfileName: person.name, To: `whatsapp:${args.values.to}` });
    try {
      const res = await fetch(webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-twilio-signature': sim.sign(webhook, params) },
        body: new URLSearchParams(params).toString(),
      });
      if (res.status !== 200) console.log(`the server answered ${res.status}: ${await res.text()}`);
    } catch (err) {
      console.log(`could not reach ${webhook}: ${(err as Error).message}`);
    }
  }
  rl.setPrompt(prompt());
  rl.prompt();
}
await sim.close();
