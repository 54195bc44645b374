import { randomBytes, randomUUID } from 'node:crypto';
import type {
  createOrganizationInputSchema,
  MemberRole,
  Organization,
  updateOrganizationInputSchema,
} from '@evently/contracts';
import type { Database } from '@evently/db';
import slugify from '@sindresorhus/slugify';
import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import { allows, asMember, authorize } from '../../access/access-policy.js';
import { appendAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import type { Clock } from '../../kernel/clock.js';
import { actorOf, type Principal, type UserPrincipal } from '../../kernel/principal.js';
import type { Memberships } from './memberships.js';
import { toOrganization } from './organizations.mappers.js';
import { organizationsRepository as repo } from './organizations.repository.js';

/** Which organization a new event belongs to (for the events module; it takes a transaction). */
export interface EventOwnership {
  /**
   * The organization a new event of `principal` belongs to, in the event's transaction: the one
   * named (which they must manage events of), else the only one they manage events of, else a
   * personal organization made for them now (so a Part 1 client keeps creating events).
   */
  forNewEvent(
    trx: Transaction<Database>,
    principal: Principal,
    organizationId: string | undefined,
  ): Promise<string>;
  /** Call after a transaction that ran `forNewEvent` committed. */
  settled(principal: Principal): Promise<void>;
}

/** Organizations themselves: creating, reading and renaming them. */
export interface OrganizationsService {
  create(
    principal: UserPrincipal,
    input: z.infer<typeof createOrganizationInputSchema>,
  ): Promise<Organization>;
  mine(principal: UserPrincipal): Promise<{ organization: Organization; role: MemberRole }[]>;
  get(principal: Principal, id: string): Promise<Organization>;
  update(
    principal: UserPrincipal,
    input: z.infer<typeof updateOrganizationInputSchema>,
  ): Promise<Organization>;
}

/** Personal organizations' slugs (`u-` and the owner's id): nobody else may take one. */
const PERSONAL_SLUG = /^u-[0-9a-f]{32}$/;

/** A slug from the name; a short random tail when it is taken (or the name has no letters). */
function slugFor(name: string, attempt: number): string {
  const base = slugify(name).slice(0, 50).replace(/-+$/, '') || 'organization';
  return attempt === 0 ? base : `${base}-${randomBytes(4).toString('hex')}`;
}

export function createOrganizationsService(deps: {
  db: Kysely<Database>;
  memberships: Memberships;
  now: Clock;
}): OrganizationsService & EventOwnership {
  const { db, memberships, now } = deps;

  /** Inserts the organization with `principal` as its owner; a taken slug tries another. */
  /** The organization with `principal` as its owner, or undefined when the slug is taken. */
  async function insertOwned(
    trx: Transaction<Database>,
    principal: UserPrincipal,
    name: string,
    slug: string,
  ) {
    const at = now();
    const row = await repo.insert(trx, {
      id: randomUUID(),
      name,
      slug,
      created_by: principal.userId,
      at,
    });
    if (!row) return undefined;
    await repo.addMember(trx, {
      organization_id: row.id,
      user_id: principal.userId,
      role: 'owner',
      joined_at: at,
    });
    await appendAudit(trx, {
      entity: 'organization',
      entityId: row.id,
      action: 'create',
      ...actorOf(principal),
      after: { name: row.name, slug: row.slug },
    });
    return row;
  }

  /** A new organization from `create`: a slug asked for must be free; one made from the name gets a tail. */
  async function createOwned(
    trx: Transaction<Database>,
    principal: UserPrincipal,
    name: string,
    slug: string | undefined,
  ) {
    if (slug !== undefined && PERSONAL_SLUG.test(slug)) {
      throw new AppError('VALIDATION_FAILED', 'Slugs of the form u-<32 hex digits> are reserved');
    }
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const candidate = slug ?? slugFor(name, attempt);
      // A name that slugifies to a personal slug gets a tail like a taken one.
      const row = PERSONAL_SLUG.test(candidate)
        ? undefined
        : await insertOwned(trx, principal, name, candidate);
      if (row) return row;
      if (slug !== undefined) {
        throw new AppError('VALIDATION_FAILED', 'This slug is taken: choose another');
      }
    }
    throw new Error('no free slug after 5 attempts');
  }

  /**
   * The personal organization of `principal`, made now if missing. Its slug is fixed (as the
   * organizations migration named them), so two first events created at once make one: the
   * second insert waits for the first and finds it.
   */
  async function personalOrganization(trx: Transaction<Database>, principal: UserPrincipal) {
    const slug = `u-${principal.userId.replaceAll('-', '')}`;
    const user = await repo.userById(trx, principal.userId);
    const name = user?.name.trim() || user?.email.split('@')[0] || 'My events';
    const made = await insertOwned(trx, principal, name, slug);
    if (made) return made.id;
    const existing = await repo.findBySlug(trx, slug);
    const memberRole = existing && (await repo.member(trx, existing.id, principal.userId))?.role;
    // Removed from it since: their events are not theirs to add to.
    const facts = { organizationId: existing?.id ?? '', memberRole };
    if (!existing || !allows(principal, 'organization.createEvents', facts)) {
      throw new AppError('FORBIDDEN', 'You manage the events of no organization: create one first');
    }
    return existing.id;
  }

  return {
    async create(principal, input) {
      await memberships.forgetBefore([principal.userId]);
      const row = await db
        .transaction()
        .execute((trx) => createOwned(trx, principal, input.name, input.slug));
      await memberships.forget([principal.userId]);
      return toOrganization(row);
    },

    async mine(principal) {
      const rows = await repo.mine(db, principal.userId);
      return rows.map((row) => ({ organization: toOrganization(row), role: row.role }));
    },

    async get(principal, id) {
      authorize(principal, 'organization.view', await memberships.standingIn(principal, id));
      const row = await repo.find(db, id);
      if (!row) throw new AppError('NOT_FOUND', 'Organization not found');
      return toOrganization(row);
    },

    async update(principal, input) {
      authorize(principal, 'organization.edit', await memberships.standingIn(principal, input.id));
      const row = await db.transaction().execute(async (trx) => {
        const locked = await repo.lock(trx, input.id, principal.userId);
        if (!locked) throw new AppError('NOT_FOUND', 'Organization not found');
        const before = locked.organization;
        authorize(principal, 'organization.edit', {
          organizationId: input.id,
          memberRole: locked.actorRole,
        });
        const after = await repo.rename(trx, input.id, input.name, now());
        await appendAudit(trx, {
          entity: 'organization',
          entityId: input.id,
          action: 'update',
          ...actorOf(principal),
          before: { name: before.name },
          after: { name: after.name },
        });
        return after;
      });
      return toOrganization(row);
    },

    async forNewEvent(trx, principal, organizationId) {
      // A key creates events in its own organization, when its scopes let it.
      if (principal.kind === 'apiKey') {
        const own = organizationId ?? principal.organizationId;
        authorize(principal, 'organization.createEvents', { organizationId: own });
        return own;
      }
      const roles = await repo.rolesOf(trx, principal.userId);
      if (organizationId !== undefined) {
        authorize(principal, 'organization.createEvents', asMember({ organizationId }, roles));
        if (!(await repo.find(trx, organizationId))) {
          throw new AppError('NOT_FOUND', 'Organization not found');
        }
        return organizationId;
      }
      const managed = Object.keys(roles).filter((id) =>
        allows(principal, 'organization.createEvents', asMember({ organizationId: id }, roles)),
      );
      const [only, ...others] = managed;
      if (only && others.length === 0) return only;
      if (only) {
        throw new AppError(
          'VALIDATION_FAILED',
          'organizationId is required: you manage the events of several organizations',
        );
      }
      // Only who may create organizations gets one made for them (a person, not a key).
      if (principal.kind !== 'user') {
        throw new AppError('FORBIDDEN', 'You manage the events of no organization');
      }
      if (principal.role !== 'organizer' && principal.role !== 'admin') {
        throw new AppError('FORBIDDEN', 'You manage the events of no organization');
      }
      await memberships.forgetBefore([principal.userId]);
      return personalOrganization(trx, principal);
    },

    async settled(principal) {
      if (principal.kind === 'user') await memberships.forget([principal.userId]);
    },
  };
}
