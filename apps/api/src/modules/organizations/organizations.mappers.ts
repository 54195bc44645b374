import type { Invitation, Membership, Organization } from '@evently/contracts';
import type { InvitationRow, MemberRow } from './organizations.repository.js';

export function toOrganization(row: {
  id: string;
  name: string;
  slug: string;
  created_at: Date;
  updated_at: Date;
}): Organization {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toMembership(row: MemberRow): Membership {
  return {
    organizationId: row.organization_id,
    userId: row.user_id,
    name: row.name,
    email: row.email,
    role: row.role,
    joinedAt: row.joined_at.toISOString(),
  };
}

export function toInvitation(row: InvitationRow): Invitation {
  return {
    id: row.id,
    organizationId: row.organization_id,
    email: row.email,
    role: row.role,
    invitedBy: row.invited_by,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
  };
}
