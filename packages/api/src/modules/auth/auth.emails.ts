import type { MailMessage } from '../../deps.ts';

export function verificationEmail(clinic: string, to: string, name: string, code: string, minutes: number): MailMessage {
  return {
    to,
    subject: `${clinic}: your verification code is ${code}`,
    text: `Hello ${name},\n\nYour verification code is ${code}. It is valid for ${minutes} minutes.\n\nIf you did not create an account, ignore this email.\n\n${clinic}`,
  };
}

export function resetEmail(clinic: string, to: string, name: string, code: string, minutes: number): MailMessage {
  return {
    to,
    subject: `${clinic}: your password reset code is ${code}`,
    text: `Hello ${name},\n\nUse the code ${code} to choose a new password. It is valid for ${minutes} minutes.\n\nIf you did not ask for this, you can ignore this email; your password has not changed.\n\n${clinic}`,
  };
}
