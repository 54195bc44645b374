import {
  changePasswordInputSchema,
  emailOnlyInputSchema,
  listUsersInputSchema,
  loginInputSchema,
  okSchema,
  refreshInputSchema,
  registerInputSchema,
  resetPasswordInputSchema,
  revokeSessionInputSchema,
  sessionSchema,
  setActiveInputSchema,
  setRoleInputSchema,
  tokenPairSchema,
  updateProfileInputSchema,
  userPageSchema,
  userSchema,
  verifyEmailInputSchema,
} from '@evently/contracts';
import { z } from 'zod';
import type { Context } from '../../trpc/context.js';
import { rest } from '../../trpc/procedure-meta.js';
import { authedProcedure, publicProcedure, requireRole, router } from '../../trpc/procedures.js';

const meta = (ctx: Context) => ({ ip: ctx.ip, userAgent: ctx.userAgent });
const adminProcedure = requireRole('admin');

export const authRouter = router({
  register: publicProcedure
    .input(registerInputSchema)
    .output(okSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.register(input, meta(ctx))),
  verifyEmail: publicProcedure
    .input(verifyEmailInputSchema)
    .output(z.object({ verified: z.literal(true) }))
    .mutation(({ ctx, input }) => ctx.services.auth.verifyEmail(input, meta(ctx))),
  resendVerification: publicProcedure
    .input(emailOnlyInputSchema)
    .output(okSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.resendVerification(input, meta(ctx))),
  login: publicProcedure
    .meta(rest('POST /auth/login', 'auth', 'Sign in', 'none'))
    .input(loginInputSchema)
    .output(tokenPairSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.login(input, meta(ctx))),
  refresh: publicProcedure
    .meta(rest('POST /auth/refresh', 'auth', 'Swap a refresh token for new tokens', 'none'))
    .input(refreshInputSchema)
    .output(tokenPairSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.refresh(input, meta(ctx))),
  logout: authedProcedure
    .meta(rest('POST /auth/logout', 'auth', 'Sign out: the session ends'))
    .output(okSchema)
    .mutation(({ ctx }) => ctx.services.auth.logout(ctx.principal)),
  me: authedProcedure
    .meta(rest('GET /auth/me', 'auth', 'The signed-in user'))
    .output(userSchema)
    .query(({ ctx }) => ctx.services.auth.me(ctx.principal)),
  updateProfile: authedProcedure
    .input(updateProfileInputSchema)
    .output(userSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.updateProfile(ctx.principal, input)),
  changePassword: authedProcedure
    .input(changePasswordInputSchema)
    .output(okSchema)
    .mutation(({ ctx, input }) =>
      ctx.services.auth.changePassword(ctx.principal, input, meta(ctx)),
    ),
  requestPasswordReset: publicProcedure
    .input(emailOnlyInputSchema)
    .output(okSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.requestPasswordReset(input, meta(ctx))),
  resetPassword: publicProcedure
    .input(resetPasswordInputSchema)
    .output(okSchema)
    .mutation(({ ctx, input }) => ctx.services.auth.resetPassword(input, meta(ctx))),
  sessions: router({
    list: authedProcedure
      .output(z.array(sessionSchema))
      .query(({ ctx }) => ctx.services.auth.listSessions(ctx.principal)),
    revoke: authedProcedure
      .input(revokeSessionInputSchema)
      .output(okSchema)
      .mutation(({ ctx, input }) => ctx.services.auth.revokeSession(ctx.principal, input)),
  }),
  users: router({
    list: adminProcedure
      .input(listUsersInputSchema)
      .output(userPageSchema)
      .query(({ ctx, input }) => ctx.services.auth.listUsers(input)),
    setRole: adminProcedure
      .input(setRoleInputSchema)
      .output(userSchema)
      .mutation(({ ctx, input }) => ctx.services.auth.setRole(ctx.principal, input)),
    setActive: adminProcedure
      .input(setActiveInputSchema)
      .output(userSchema)
      .mutation(({ ctx, input }) => ctx.services.auth.setActive(ctx.principal, input)),
  }),
});
