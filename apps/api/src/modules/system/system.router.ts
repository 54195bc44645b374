import { z } from 'zod';
import { publicProcedure, router } from '../../trpc/procedures.js';
import { mailAdminRouter } from '../notifications/mail-admin.router.js';

const serviceInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  mode: z.enum(['embedded', 'production']),
  uptimeSeconds: z.number().int(),
  startedAt: z.string(),
});

export const systemRouter = router({
  /** The same facts as GET /info, for SDK users. */
  info: publicProcedure.output(serviceInfoSchema).query(({ ctx }) => ctx.services.system.info()),
  /** Mail dead letters (admin). */
  mail: mailAdminRouter,
});
