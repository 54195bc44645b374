import { z } from 'zod';
import { keysetPageInputSchema, pageOutputSchema } from './pagination.js';
import { emailSchema, idSchema, instantSchema, rawTextSchema, textSchema } from './primitives.js';

/**
 * Membership roles (API.md Part 2, "organizations"): `owner` runs the team, `manager` the
 * events, `staff` the door, `viewer` reads. Listed from most to least power.
 */
export const memberRoles = ['owner', 'manager', 'staff', 'viewer'] as const;
export const memberRoleSchema = z.enum(memberRoles);
export type MemberRole = z.infer<typeof memberRoleSchema>;

/** A slug: lower-case letters, digits and inner hyphens, 1–60 characters. */
export const slugSchema = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$/, {
  error: 'must be 1–60 lower-case letters, digits or inner hyphens',
});

export const organizationNameSchema = textSchema({ min: 1, max: 120 });

export const organizationSchema = z.object({
  id: idSchema,
  name: z.string(),
  slug: z.string(),
  createdAt: instantSchema,
  updatedAt: instantSchema,
});
export type Organization = z.infer<typeof organizationSchema>;

export const membershipSchema = z.object({
  organizationId: idSchema,
  userId: idSchema,
  name: z.string(),
  email: z.string(),
  role: memberRoleSchema,
  joinedAt: instantSchema,
});
export type Membership = z.infer<typeof membershipSchema>;

/** What an invitation answers; the code itself only ever travels in the mail. */
export const invitationSchema = z.object({
  id: idSchema,
  organizationId: idSchema,
  email: z.string(),
  role: memberRoleSchema,
  invitedBy: idSchema,
  createdAt: instantSchema,
  expiresAt: instantSchema,
});
export type Invitation = z.infer<typeof invitationSchema>;

/** Invitation codes: 32 base64url characters (192 random bits). */
export const invitationCodeSchema = rawTextSchema
  .trim()
  .regex(/^[A-Za-z0-9_-]{32}$/, { error: 'is not an invitation code' });

export const createOrganizationInputSchema = z.object({
  name: organizationNameSchema,
  slug: slugSchema.optional(),
});
export const organizationIdInputSchema = z.object({ id: idSchema });
export const updateOrganizationInputSchema = z.object({
  id: idSchema,
  name: organizationNameSchema,
});
export const myOrganizationsSchema = z.array(
  z.object({ organization: organizationSchema, role: memberRoleSchema }),
);

/** The members list's sort key: joined-at, then user id. */
const membersSortKeySchema = z.strictObject({ j: instantSchema, u: idSchema });
export const listMembersInputSchema = keysetPageInputSchema(membersSortKeySchema).extend({
  organizationId: idSchema,
});
export type ListMembersInput = z.input<typeof listMembersInputSchema>;
export const membershipPageSchema = pageOutputSchema(membershipSchema);

export const inviteMemberInputSchema = z.object({
  organizationId: idSchema,
  email: emailSchema,
  role: memberRoleSchema,
});
export const acceptInvitationInputSchema = z.object({ code: invitationCodeSchema });
export const setMemberRoleInputSchema = z.object({
  organizationId: idSchema,
  userId: idSchema,
  role: memberRoleSchema,
});
export const removeMemberInputSchema = z.object({ organizationId: idSchema, userId: idSchema });
