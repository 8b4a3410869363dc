import type { Role, User } from '@clinic/contracts';
import type { ApiDeps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { hashPassword } from '../../security/passwords.ts';
import { createUsersRepository, toUserDto } from './users.repository.ts';

export function createUsersService(deps: ApiDeps) {
  const users = createUsersRepository(deps.db.cols);
  return {
    async me(userId: string): Promise<User> {
      const user = await users.findById(userId);
      if (!user) throw new AppError('NOT_FOUND', 'This account no longer exists.');
      return toUserDto(user);
    },

    /** Doctors, staff and admins never self-register: an admin creates them, already verified. */
    async createStaffUser(input: { email: string; password: string; fullName: string; phone?: string | undefined; role: Exclude<Role, 'patient'> }): Promise<User> {
      const doc = await users.insert(
        {
          email: input.email,
          passwordHash: await hashPassword(input.password),
          fullName: input.fullName,
          phone: input.phone ?? null,
          role: input.role,
          emailVerifiedAt: deps.clock(),
        },
        deps.clock(),
      );
      return toUserDto(doc);
    },
  };
}
export type UsersService = ReturnType<typeof createUsersService>;
