import {
  AcceptedSchema,
  AuthResultSchema,
  ChangePasswordInput,
  ForgotPasswordInput,
  LoginInput,
  LogoutInput,
  OkSchema,
  RefreshInput,
  RegisterInput,
  RegisterOutput,
  SignupClinicInput,
  SignupClinicOutput,
  ResendCodeInput,
  ResetPasswordInput,
  TokensSchema,
  VerifyEmailInput,
} from '@clinic/contracts';
import type { Context } from '../../context.ts';
import { authedProcedure, publicProcedure, router } from '../../trpc.ts';

const meta = (ctx: Context) => ({ ip: ctx.ip, userAgent: ctx.userAgent });
const tags = ['auth'];

export const authRouter = router({
  register: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/register', tags, protect: false, summary: 'Create a patient account and email a verification code', errorResponses: [400, 409] } })
    .input(RegisterInput)
    .output(RegisterOutput)
    .mutation(({ ctx, input }) => ctx.services.auth.register(input)),

  signupClinic: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/signup-clinic', tags, protect: false, summary: "Sign a clinic up: the clinic (pending) and its first admin's account; a verification code is emailed, and verifying opens the clinic", errorResponses: [400, 409, 429] } })
    .input(SignupClinicInput)
    .output(SignupClinicOutput)
    .mutation(({ ctx, input }) => ctx.services.auth.signupClinic(input, meta(ctx))),

  verify: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/verify', tags, protect: false, summary: 'Verify the email with the 6-digit code; signs in', errorResponses: [400, 422, 429] } })
    .input(VerifyEmailInput)
    .output(AuthResultSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.verifyEmail(input, meta(ctx))),

  resendCode: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/resend-code', tags, protect: false, summary: 'Send a new verification code (60 s cooldown)', errorResponses: [400, 429] } })
    .input(ResendCodeInput)
    .output(AcceptedSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.resendCode(input, meta(ctx))),

  login: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/login', tags, protect: false, summary: "Sign in with email and password (403 when the email is not verified or the account's clinic is suspended)", errorResponses: [400, 401, 403, 429] } })
    .input(LoginInput)
    .output(AuthResultSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.login(input, meta(ctx))),

  refresh: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/refresh', tags, protect: false, summary: 'Rotate the refresh token and get a new access token', errorResponses: [400, 401, 403] } })
    .input(RefreshInput)
    .output(TokensSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.refresh(input)),

  logout: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/logout', tags, protect: false, summary: 'End the session of this refresh token', errorResponses: [400] } })
    .input(LogoutInput)
    .output(OkSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.logout(input)),

  forgotPassword: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/forgot-password', tags, protect: false, summary: 'Email a password reset code', errorResponses: [400, 429] } })
    .input(ForgotPasswordInput)
    .output(AcceptedSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.forgotPassword(input, meta(ctx))),

  resetPassword: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/reset', tags, protect: false, summary: 'Set a new password with the reset code; ends every session', errorResponses: [400, 422, 429] } })
    .input(ResetPasswordInput)
    .output(OkSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.resetPassword(input, meta(ctx))),

  changePassword: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/change-password', tags, protect: true, summary: 'Change the password; other sessions end', errorResponses: [400, 401] } })
    .input(ChangePasswordInput)
    .output(OkSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.changePassword(ctx.actor, input)),
});
