import { authRouter } from './modules/auth/auth.router.ts';
import { usersRouter } from './modules/users/users.router.ts';
import { createCallerFactory, router } from './trpc.ts';

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side calls (the WhatsApp agent, jobs) through the very same procedures and guards. */
export const createCaller = createCallerFactory(appRouter);
