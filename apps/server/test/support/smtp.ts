import { SMTPServer } from 'smtp-server';

export interface ReceivedAttachment {
  filename: string;
  contentType: string;
  /** The file's bytes, its transfer encoding undone. */
  content: Buffer;
}

export interface ReceivedMail {
  to: string[];
  subject: string;
  /** The plain-text body as the reader sees it (quoted-printable or base64 decoded; the text part of a text+HTML mail). */
  text: string;
  /** The HTML part, decoded; '' for a text-only mail. */
  html: string;
  /** The parts sent as attachments (Content-Disposition: attachment), in order. */
  attachments: ReceivedAttachment[];
  raw: string;
}

/** Headers unfolded (a long Subject is wrapped over several lines) and the body after the blank line. */
function split(raw: string): { head: string; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = (at < 0 ? raw : raw.slice(0, at)).replace(/\r?\n(?=[ \t])/g, '');
  return { head, body: at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '') };
}

/** A part's bytes with its transfer encoding undone. */
function decodeBytes(head: string, body: string): Buffer {
  if (/^Content-Transfer-Encoding:\s*base64/im.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (/^Content-Transfer-Encoding:\s*quoted-printable/im.test(head)) {
    return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  }
  return Buffer.from(body, 'utf8');
}

/** The leaf parts of a message: a multipart's parts, and theirs (text and HTML nested in a mail with attachments). */
function leaves(head: string, body: string): { head: string; body: string }[] {
  const boundary = /^Content-Type:\s*multipart\/[^;]+;.*boundary="?([^";]+)"?/im.exec(head)?.[1];
  if (!boundary) return [{ head, body }];
  return body
    .split(`--${boundary}`)
    .slice(1, -1)
    .flatMap((p) => {
      const part = split(p.replace(/^\r?\n/, ''));
      return leaves(part.head, part.body.replace(/\r?\n$/, ''));
    });
}

function parse(raw: string): { subject: string; text: string; html: string; attachments: ReceivedAttachment[] } {
  const { head, body } = split(raw);
  const subject = /^Subject: (.*)$/im.exec(head)?.[1]?.trim() ?? '';
  const parts = leaves(head, body);
  const isAttachment = (p: { head: string }) => /^Content-Disposition:\s*attachment/im.test(p.head);
  const part = (type: string) => {
    const found = parts.find((p) => !isAttachment(p) && new RegExp(`^Content-Type:\\s*${type}`, 'im').test(p.head));
    return found ? decodeBytes(found.head, found.body).toString('utf8').replace(/\r\n/g, '\n') : '';
  };
  // A single-part mail is its text, whatever it declares.
  const single = !/^Content-Type:\s*multipart\//im.test(head);
  const text = single ? decodeBytes(head, body).toString('utf8').replace(/\r\n/g, '\n') : part('text/plain');
  const attachments = parts.filter(isAttachment).map((p) => ({
    filename: /filename="?([^";]+)"?/i.exec(p.head)?.[1] ?? /name="?([^";]+)"?/i.exec(p.head)?.[1] ?? '',
    contentType: /^Content-Type:\s*([^;\s]+)/im.exec(p.head)?.[1]?.toLowerCase() ?? '',
    content: decodeBytes(p.head, p.body),
  }));
  return { subject, text, html: single ? '' : part('text/html'), attachments };
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
