// `npm run whatsapp-sim -w @clinic/server [-- +971501234567 --to +97145550100 --server http://127.0.0.1:3000 --port 4020]`: chat with the clinic's WhatsApp assistant
// from the terminal, with no Twilio account and no tunnel. This process plays both sides of Twilio: lines
// you type are posted to the server's webhook, signed as Twilio signs them; the replies the server sends
// through the Twilio SDK (TWILIO_API_BASE_URL pointed here) are printed. `--to` writes to a clinic's own WhatsApp
// number (set by the operator) instead of the platform's shared one.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { WHATSAPP_WEBHOOK_PATH } from '../routes/whatsapp.ts';
import { inboundParams, startTwilioSim, type CapturedMessage } from './twilio-sim.ts';

// Fixed, obviously fake credentials so the server's .env can name them once.
const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const AUTH_TOKEN = 'local-whatsapp-sim-token';
const SHARED_NUMBER = '+14155238886';
const args = parseArgs({ allowPositionals: true, options: { server: { type: 'string', default: 'http://127.0.0.1:3000' }, port: { type: 'string', default: '4020' }, to: { type: 'string', default: SHARED_NUMBER } } });
const port = Number(args.values.port);
// The server's PUBLIC_BASE_URL: Twilio signs for the URL it was given, so the sim signs for this one.
const publicBaseUrl = args.values.server.replace(/\/+$/, '');
const phone = args.positionals[0] ?? '+971501234567';
for (const n of [phone, args.values.to]) if (!/^\+[1-9]\d{6,14}$/.test(n)) throw new Error(`"${n}" is not an E.164 number such as +971501234567`);

const show = (m: CapturedMessage) => {
  const to = m.params.To ?? '';
  const text = m.params.Body ?? `[template ${m.params.ContentSid}] ${m.params.ContentVariables ?? ''}`;
  process.stdout.write(`\n${to === `whatsapp:${phone}` ? 'clinic' : `clinic → ${to}`}: ${text.replace(/\n/g, '\n        ')}\n> `);
};
const sim = await startTwilioSim({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, port, onMessage: show });

console.log(`Twilio stand-in at ${sim.url}. Start the server (npm run dev) with these in .env:

TWILIO_SID=${ACCOUNT_SID}
TWILIO_AUTH_TOKEN=${AUTH_TOKEN}
TWILIO_WHATSAPP_FROM=whatsapp:${SHARED_NUMBER}
TWILIO_API_BASE_URL=${sim.url}
PUBLIC_BASE_URL=${publicBaseUrl}

You are ${phone}, writing to ${args.values.to}. Type a message (e.g. "hi"); Ctrl-D to quit.`);

const webhook = `${publicBaseUrl}/api/v1${WHATSAPP_WEBHOOK_PATH}`;
const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
rl.prompt();
for await (const line of rl) {
  const text = line.trim();
  if (text) {
    const params = inboundParams(sim, phone, text, { ProfileName: 'Local tester', To: `whatsapp:${args.values.to}` });
    try {
      const res = await fetch(webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-twilio-signature': sim.sign(webhook, params) },
        body: new URLSearchParams(params).toString(),
      });
      // The reply's printout brings the next prompt.
      if (res.status === 200) continue;
      console.log(`the server answered ${res.status}: ${await res.text()}`);
    } catch (err) {
      console.log(`could not reach ${webhook}: ${(err as Error).message}`);
    }
  }
  rl.prompt();
}
await sim.close();
