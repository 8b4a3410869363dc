import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  raw: string;
}

/** A real SMTP listener on loopback that keeps what it receives. */
export async function startSmtpInbox() {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const subject = /^Subject: (.*)$/im.exec(raw)?.[1]?.trim() ?? '';
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), subject, raw });
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
    count: (to: string) => mails.filter((m) => m.to.includes(to.toLowerCase())).length,
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
}
export type SmtpInbox = Awaited<ReturnType<typeof startSmtpInbox>>;
