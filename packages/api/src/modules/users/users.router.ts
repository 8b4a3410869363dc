import { CreateStaffUserInput, UserSchema } from '@clinic/contracts';
import { authedProcedure, roleProcedure, router } from '../../trpc.ts';

export const usersRouter = router({
  me: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/me', tags: ['users'], protect: true, summary: 'The signed-in user', errorResponses: [401] } })
    .output(UserSchema)
    .query(({ ctx }) => ctx.services.users.me(ctx.actor.userId)),

  createStaff: roleProcedure('admin')
    .meta({ openapi: { method: 'POST', path: '/admin/users', tags: ['admin'], protect: true, summary: 'Create a doctor, staff or admin account (admins only)', errorResponses: [400, 401, 403, 409] } })
    .input(CreateStaffUserInput)
    .output(UserSchema)
    .mutation(({ ctx, input }) => ctx.services.users.createStaffUser(input, ctx.actor.clinicId)),
});
