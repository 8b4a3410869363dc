import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Mailer } from '@clinic/api';

export function createSmtpMailer(smtpUrl: string, from: string): Mailer & { close(): void } {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(msg) {
      await transport.sendMail({
        from,
        to: msg.to,
        subject: msg.subject,
        text: msg.text,
        ...(msg.html ? { html: msg.html } : {}),
        ...(msg.attachments?.length ? { attachments: msg.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })) } : {}),
      });
    },
    close: () => transport.close(),
  };
}

/** Development without SMTP: the message (and so the code) goes to the log. Never used in production. */
export function createLogMailer(log: Logger): Mailer {
  return {
    async send(msg) {
      log.warn({ devMail: { to: msg.to, subject: msg.subject, text: msg.text, attachments: msg.attachments?.map((a) => `${a.filename} (${a.content.length} bytes)`) } }, 'email (dev, not sent): %s', msg.subject);
    },
  };
}
