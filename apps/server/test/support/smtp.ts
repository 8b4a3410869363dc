import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  /** The plain-text body as the reader sees it (quoted-printable decoded). */
  text: string;
  raw: string;
}

/** Headers unfolded (a long Subject is wrapped over several lines) and the body with its transfer encoding undone. */
function parse(raw: string): { subject: string; text: string } {
  const split = raw.search(/\r?\n\r?\n/);
  const head = (split < 0 ? raw : raw.slice(0, split)).replace(/\r?\n(?=[ \t])/g, '');
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const subject = /^Subject: (.*)$/im.exec(head)?.[1]?.trim() ?? '';
  const qp = /^Content-Transfer-Encoding:\s*quoted-printable/im.test(head);
  const text = qp ? Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8') : body;
  return { subject, text: text.replace(/\r\n/g, '\n') };
}

/** A real SMTP listener on loopback that keeps what it receives. */
export async function startSmtpInbox() {
  const mails: ReceivedMail[] = [];
  /** While true every message is refused with a temporary error (451), as a mail server that is down. */
  let refusing = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onMailFrom(_address, _session, done) {
      if (!refusing) return done();
      done(Object.assign(new Error('Service temporarily unavailable'), { responseCode: 451 }));
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), ...parse(raw), raw });
        done();
      });
    },
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const { port } = server.server.address() as { port: number };

  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    /** Waits (bounded) for the next mail to `to` whose subject matches, and returns its 6-digit code. */
    async codeFor(to: string, subject: RegExp, after = 0): Promise<string> {
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        const found = mails.filter((m) => m.to.includes(to.toLowerCase()) && subject.test(m.subject));
        const mail = found[after];
        if (mail) return /\b(\d{6})\b/.exec(mail.subject)![1]!;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no mail to ${to} matching ${subject}`);
    },
    /** Refuse (451) or accept mail from now on. */
    refuse: (on: boolean) => void (refusing = on),
    count: (to: string) => mails.filter((m) => m.to.includes(to.toLowerCase())).length,
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
}
export type SmtpInbox = Awaited<ReturnType<typeof startSmtpInbox>>;
