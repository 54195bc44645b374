import {
  acceptInvitationInputSchema,
  createOrganizationInputSchema,
  invitationSchema,
  inviteMemberInputSchema,
  listMembersInputSchema,
  membershipPageSchema,
  membershipSchema,
  myOrganizationsSchema,
  okSchema,
  organizationIdInputSchema,
  organizationSchema,
  removeMemberInputSchema,
  setMemberRoleInputSchema,
  updateOrganizationInputSchema,
} from '@evently/contracts';
import {
  authedProcedure,
  personOrKeyProcedure,
  requireRole,
  router,
} from '../../trpc/procedures.js';

export const organizationsRouter = router({
  // The platform role `organizer` now only grants creating organizations (API.md Part 2).
  create: requireRole('organizer', 'admin')
    .input(createOrganizationInputSchema)
    .output(organizationSchema)
    .mutation(({ ctx, input }) => ctx.services.organizations.create(ctx.principal, input)),
  mine: authedProcedure
    .output(myOrganizationsSchema)
    .query(({ ctx }) => ctx.services.organizations.mine(ctx.principal)),
  get: personOrKeyProcedure
    .input(organizationIdInputSchema)
    .output(organizationSchema)
    .query(({ ctx, input }) => ctx.services.organizations.get(ctx.principal, input.id)),
  update: authedProcedure
    .input(updateOrganizationInputSchema)
    .output(organizationSchema)
    .mutation(({ ctx, input }) => ctx.services.organizations.update(ctx.principal, input)),
  members: router({
    list: authedProcedure
      .input(listMembersInputSchema)
      .output(membershipPageSchema)
      .query(({ ctx, input }) => ctx.services.organizations.members.list(ctx.principal, input)),
    invite: authedProcedure
      .input(inviteMemberInputSchema)
      .output(invitationSchema)
      .mutation(({ ctx, input }) =>
        ctx.services.organizations.invitations.invite(ctx.principal, input),
      ),
    setRole: authedProcedure
      .input(setMemberRoleInputSchema)
      .output(membershipSchema)
      .mutation(({ ctx, input }) =>
        ctx.services.organizations.members.setRole(ctx.principal, input),
      ),
    remove: authedProcedure
      .input(removeMemberInputSchema)
      .output(okSchema)
      .mutation(({ ctx, input }) =>
        ctx.services.organizations.members.remove(ctx.principal, input),
      ),
  }),
  invitations: router({
    accept: authedProcedure
      .input(acceptInvitationInputSchema)
      .output(membershipSchema)
      .mutation(({ ctx, input }) =>
        ctx.services.organizations.invitations.accept(ctx.principal, input),
      ),
  }),
});
