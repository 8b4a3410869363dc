import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  /** The plain-text body as the reader sees it (quoted-printable or base64 decoded; the text part of a text+HTML mail). */
  text: string;
  /** The HTML part, decoded; '' for a text-only mail. */
  html: string;
  raw: string;
}

/** Headers unfolded (a long Subject is wrapped over several lines) and the body after the blank line. */
function split(raw: string): { head: string; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = (at < 0 ? raw : raw.slice(0, at)).replace(/\r?\n(?=[ \t])/g, '');
  return { head, body: at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '') };
}

/** A part's body with its transfer encoding undone. */
function decodeBody(head: string, body: string): string {
  if (/^Content-Transfer-Encoding:\s*base64/im.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/^Content-Transfer-Encoding:\s*quoted-printable/im.test(head)) {
    return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return body;
}

function parse(raw: string): { subject: string; text: string; html: string } {
  const { head, body } = split(raw);
  const subject = /^Subject: (.*)$/im.exec(head)?.[1]?.trim() ?? '';
  const boundary = /^Content-Type:\s*multipart\/[^;]+;.*boundary="?([^";]+)"?/im.exec(head)?.[1];
  if (!boundary) return { subject, text: decodeBody(head, body).replace(/\r\n/g, '\n'), html: '' };
  const parts = body.split(`--${boundary}`).slice(1, -1).map((p) => split(p.replace(/^\r?\n/, '')));
  const part = (type: string) => {
    const found = parts.find((p) => new RegExp(`^Content-Type:\\s*${type}`, 'im').test(p.head));
    return found ? decodeBody(found.head, found.body.replace(/\r?\n$/, '')).replace(/\r\n/g, '\n') : '';
  };
  return { subject, text: part('text/plain'), html: part('text/html') };
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
