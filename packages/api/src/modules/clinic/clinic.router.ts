import { ClinicSchema, TimeNowSchema } from '@clinic/contracts';
import { publicProcedure, router } from '../../trpc.ts';

export const clinicRouter = router({
  info: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/clinic', tags: ['clinic'], protect: false, summary: 'Clinic details, opening hours and booking policies' } })
    .output(ClinicSchema)
    .query(({ ctx }) => ctx.services.clinic.info()),

  now: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/time/now', tags: ['clinic'], protect: false, summary: 'Server time (UTC) and the clinic time zone, for clock sync' } })
    .output(TimeNowSchema)
    .query(({ ctx }) => ctx.services.clinic.now()),
});
