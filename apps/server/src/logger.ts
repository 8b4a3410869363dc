import pino, { type Logger } from 'pino';
import { maskEmiratesIds } from '@clinic/contracts';

/** Anything that could carry a credential, a code or an identity number is censored. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'req.headers["stripe-signature"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.code',
  '*.otp',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.secretKey',
  'emiratesId',
  '*.emiratesId',
  '*.*.emiratesId',
];

/** Expo push tokens: DELETE /devices/{token} carries one in its path, which the request log quotes. */
const PUSH_TOKEN = /(Expo(?:nent)?PushToken)(\[|%5B)[^\]"\s]*?(\]|%5D)/gi;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'clinic-server' },
      // Emirates IDs under any other key or inside text (an error message quoting what a patient typed) are masked.
      hooks: { streamWrite: (line) => maskEmiratesIds(line).replace(PUSH_TOKEN, '$1$2[redacted]$3') },
    },
    destination,
  );
}
