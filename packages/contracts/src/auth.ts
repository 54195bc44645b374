import { z } from 'zod';
import { keysetPageInputSchema, pageOutputSchema } from './pagination.js';
import {
  emailSchema,
  idSchema,
  instantSchema,
  passwordSchema,
  rawTextSchema,
  textSchema,
} from './primitives.js';
import { roleSchema } from './roles.js';

/** Names: one line of text, bidi controls stripped, trimmed, 1–100 characters. */
export const nameSchema = textSchema({ min: 1, max: 100 });
/** One-time codes are exactly six digits. */
export const otpCodeSchema = z.string().regex(/^\d{6}$/, { error: 'must be 6 digits' });
/** Opaque refresh tokens; bounded so nobody posts a megabyte. */
export const refreshTokenSchema = rawTextSchema.min(1).max(512);

export const userSchema = z.object({
  id: idSchema,
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  emailVerified: z.boolean(),
  active: z.boolean(),
  createdAt: instantSchema,
});
export type User = z.infer<typeof userSchema>;

export const tokenPairSchema = z.object({
  accessToken: z.string(),
  accessTokenExpiresAt: instantSchema,
  refreshToken: z.string(),
  refreshTokenExpiresAt: instantSchema,
  user: userSchema,
});
export type TokenPair = z.infer<typeof tokenPairSchema>;

export const sessionSchema = z.object({
  id: idSchema,
  createdAt: instantSchema,
  lastUsedAt: instantSchema,
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  current: z.boolean(),
});
export type Session = z.infer<typeof sessionSchema>;

export const okSchema = z.object({ ok: z.literal(true) });

export const registerInputSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  name: nameSchema,
});
export const verifyEmailInputSchema = z.object({ email: emailSchema, code: otpCodeSchema });
export const emailOnlyInputSchema = z.object({ email: emailSchema });
// Login takes any password length: a too-short one is simply wrong, not a validation leak.
export const loginInputSchema = z.object({
  email: emailSchema,
  password: rawTextSchema.min(1).max(128),
});
export const refreshInputSchema = z.object({ refreshToken: refreshTokenSchema });
export const updateProfileInputSchema = z.object({ name: nameSchema });
export const changePasswordInputSchema = z.object({
  currentPassword: rawTextSchema.min(1).max(128),
  newPassword: passwordSchema,
});
export const resetPasswordInputSchema = z.object({
  email: emailSchema,
  code: otpCodeSchema,
  newPassword: passwordSchema,
});
export const revokeSessionInputSchema = z.object({ sessionId: idSchema });
/** The users list's sort key: created-at, then id. */
const usersSortKeySchema = z.strictObject({ c: instantSchema, i: idSchema });

export const listUsersInputSchema = keysetPageInputSchema(usersSortKeySchema).extend({
  q: textSchema({ min: 1, max: 100 }).optional(),
  role: roleSchema.optional(),
});
/** What a client sends; the server works on `z.output` (defaults applied, cursor decoded). */
export type ListUsersInput = z.input<typeof listUsersInputSchema>;
export const setRoleInputSchema = z.object({ userId: idSchema, role: roleSchema });
export const setActiveInputSchema = z.object({ userId: idSchema, active: z.boolean() });
export const userPageSchema = pageOutputSchema(userSchema);
