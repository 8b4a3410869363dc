import { CreateStaffUserInput, UpdateProfileInput, UserSchema } from '@clinic/contracts';
import { authedProcedure, roleProcedure, router } from '../../trpc.ts';

export const usersRouter = router({
  me: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/me', tags: ['users'], protect: true, summary: 'The signed-in user', errorResponses: [401] } })
    .output(UserSchema)
    .query(({ ctx }) => ctx.services.users.me(ctx.actor.userId)),

  updateMe: authedProcedure
    .meta({ openapi: { method: 'PATCH', path: '/users/me', tags: ['users'], protect: true, summary: 'Change your own profile (the language of your notifications)', errorResponses: [400, 401, 404] } })
    .input(UpdateProfileInput)
    .output(UserSchema)
    .mutation(({ ctx, input }) => ctx.services.users.updateMe(ctx.actor.userId, input)),

  createStaff: roleProcedure('admin')
    .meta({ openapi: { method: 'POST', path: '/admin/users', tags: ['admin'], protect: true, summary: 'Create a doctor, staff or admin account (admins only)', errorResponses: [400, 401, 403, 409] } })
    .input(CreateStaffUserInput)
    .output(UserSchema)
    .mutation(({ ctx, input }) => ctx.services.users.createStaffUser(input, ctx.actor.clinicId)),
});
