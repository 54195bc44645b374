import {
  deadLetterPageSchema,
  deadLettersInputSchema,
  replayDeadLettersInputSchema,
  replayDeadLettersOutputSchema,
} from '@evently/contracts';
import { requireRole, router } from '../../trpc/procedures.js';

const adminProcedure = requireRole('admin');

/** `system.mail.*`: the mail dead letters, for admins. */
export const mailAdminRouter = router({
  /** Mails whose every try failed, newest first. */
  deadLetters: adminProcedure
    .input(deadLettersInputSchema)
    .output(deadLetterPageSchema)
    .query(({ ctx, input }) => ctx.services.deadLetters.list(input)),
  /** Sends dead letters again (by id, or all): each gets a fresh set of tries. */
  replay: adminProcedure
    .input(replayDeadLettersInputSchema)
    .output(replayDeadLettersOutputSchema)
    .mutation(({ ctx, input }) => ctx.services.deadLetters.replay(ctx.principal.userId, input)),
});
