import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import {
  invitationCodeIn,
  type SignedUp,
  startTestApp,
  TEST_PASSWORD,
  type TestApp,
} from './harness.js';

// organizations.* over HTTP through the SDK: each procedure's success, each of its refusals,
// the mails, and the audit trail (API.md Part 2, "organizations").

const DAY_MS = 86_400_000;
describe('organizations', () => {
  let app: TestApp;
  /** How far the services' clock is moved ahead (invitation expiry). */
  let skewMs = 0;
  let owner: SignedUp;
  let organizationId: string;

  beforeAll(async () => {
    app = await startTestApp({ now: () => new Date(Date.now() + skewMs) });
    owner = await app.signUp({ role: 'organizer', name: 'Olive Owner' });
    const created = await owner.client.organizations.create.mutate({ name: 'Blue Note Hall' });
    organizationId = created.id;
  });
  afterAll(async () => app?.close());

  /** Invites `email` as `role` and returns the code from the mail. */
  async function invite(email: string, role: 'owner' | 'manager' | 'staff' | 'viewer') {
    await owner.client.organizations.members.invite.mutate({ organizationId, email, role });
    return invitationCodeIn(await app.mail(email, /invited to an organization/));
  }

  /** A new verified account that joined the organization as `role`. */
  async function joined(role: 'owner' | 'manager' | 'staff' | 'viewer'): Promise<SignedUp> {
    const member = await app.signUp();
    const code = await invite(member.email, role);
    await member.client.organizations.invitations.accept.mutate({ code });
    return member;
  }

  it('creates an organization with its creator as owner, a slug from its name, and lists it', async () => {
    const org = await owner.client.organizations.get.query({ id: organizationId });
    expect(org).toMatchObject({ name: 'Blue Note Hall', slug: 'blue-note-hall' });
    // The same name again: the slug gets a tail; a slug asked for and taken is refused.
    const again = await owner.client.organizations.create.mutate({ name: 'Blue Note Hall' });
    expect(again.slug).toMatch(/^blue-note-hall-[0-9a-f]{8}$/);
    await expectAppCode(
      owner.client.organizations.create.mutate({ name: 'Other', slug: 'blue-note-hall' }),
      'VALIDATION_FAILED',
    );
    await expectAppCode(
      owner.client.organizations.create.mutate({ name: 'Bad', slug: 'Not A Slug' }),
      'VALIDATION_FAILED',
    );
    // Personal organizations' slugs cannot be squatted, asked for or slugified into.
    const squat = `u-${randomUUID().replaceAll('-', '')}`;
    await expectAppCode(
      owner.client.organizations.create.mutate({ name: 'Squat', slug: squat }),
      'VALIDATION_FAILED',
    );
    const named = await owner.client.organizations.create.mutate({ name: squat });
    expect(named.slug).not.toBe(squat);
    const mine = await owner.client.organizations.mine.query();
    expect(mine.map((m) => [m.organization.id, m.role])).toEqual([
      [organizationId, 'owner'],
      [again.id, 'owner'],
      [named.id, 'owner'],
    ]);
    const renamed = await owner.client.organizations.update.mutate({
      id: organizationId,
      name: 'Blue Note Hall & Bar',
    });
    expect(renamed).toMatchObject({ name: 'Blue Note Hall & Bar', slug: 'blue-note-hall' });
    // A plain account may not create one; nobody outside sees it.
    const outsider = await app.signUp();
    await expectAppCode(outsider.client.organizations.create.mutate({ name: 'Mine' }), 'FORBIDDEN');
    await expectAppCode(
      outsider.client.organizations.get.query({ id: organizationId }),
      'NOT_FOUND',
    );
    expect(await outsider.client.organizations.mine.query()).toEqual([]);
  });

  it('invites by mail with the same answer whether or not the address has an account', async () => {
    const member = await app.signUp();
    const stranger = `nobody-${randomUUID()}@example.com`;
    const answers = [];
    for (const email of [member.email, stranger]) {
      answers.push(
        await owner.client.organizations.members.invite.mutate({
          organizationId,
          email,
          role: 'staff',
        }),
      );
    }
    const [known, unknown] = answers;
    if (!known || !unknown) throw new Error('two answers expected');
    const shape = (a: typeof known) => ({ ...a, id: '', email: '', createdAt: '', expiresAt: '' });
    expect(shape(known)).toEqual(shape(unknown));
    expect(Date.parse(known.expiresAt) - Date.parse(known.createdAt)).toBe(7 * DAY_MS);
    // Both get the same mail, a code in each; nothing secret is in the answer.
    const mails = [await app.mail(member.email, /invited/), await app.mail(stranger, /invited/)];
    const codes = mails.map(invitationCodeIn);
    for (const mail of mails) {
      expect(mail.text).toContain('Olive Owner invited you to join Blue Note Hall');
    }
    for (const code of codes) expect(JSON.stringify(answers)).not.toContain(code);
    const stored = await app.db.handle.db
      .selectFrom('organization_invitations')
      .select(['code_hash', 'mail_code'])
      .where('email', 'in', [member.email, stranger])
      .execute();
    // Mailed: the plaintext is gone from the row, only its digest stays.
    expect(stored.map((s) => s.mail_code)).toEqual([null, null]);
    for (const code of codes) expect(stored.map((row) => row.code_hash)).not.toContain(code);
  });

  it('accepting joins the caller once, only with the invited address, and not after expiry', async () => {
    const member = await app.signUp({ name: 'Sam Staff' });
    const code = await invite(member.email, 'staff');
    const other = await app.signUp();
    await expectAppCode(
      other.client.organizations.invitations.accept.mutate({ code }),
      'FORBIDDEN',
    );
    await expectAppCode(
      member.client.organizations.invitations.accept.mutate({ code: 'A'.repeat(32) }),
      'NOT_FOUND',
    );
    await expectAppCode(
      member.client.organizations.invitations.accept.mutate({ code: 'short' }),
      'VALIDATION_FAILED',
    );
    const membership = await member.client.organizations.invitations.accept.mutate({ code });
    expect(membership).toMatchObject({
      organizationId,
      userId: member.tokens.user.id,
      name: 'Sam Staff',
      email: member.email,
      role: 'staff',
    });
    await app.mail(member.email, /joined an organization/);
    await expectAppCode(
      member.client.organizations.invitations.accept.mutate({ code }),
      'INVALID_STATE',
    );
    // A newer invitation replaces the older: the older code no longer works.
    const late = await app.signUp();
    const first = await invite(late.email, 'viewer');
    const second = await invite(late.email, 'manager');
    await expectAppCode(
      late.client.organizations.invitations.accept.mutate({ code: first }),
      'NOT_FOUND',
    );
    // Eight days later the second has expired (a fresh login: the old token has too).
    skewMs = 8 * DAY_MS;
    try {
      const tokens = await app
        .client()
        .auth.login.mutate({ email: late.email, password: TEST_PASSWORD });
      await expectAppCode(
        app.client(tokens.accessToken).organizations.invitations.accept.mutate({ code: second }),
        'INVALID_STATE',
      );
    } finally {
      skewMs = 0;
    }
    // An existing member invited again: nothing to accept.
    const again = await invite(member.email, 'viewer');
    await expectAppCode(
      member.client.organizations.invitations.accept.mutate({ code: again }),
      'INVALID_STATE',
    );
  });

  it('lists members a page at a time, for members only', async () => {
    const viewer = await joined('viewer');
    const all = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof viewer.client.organizations.members.list.query>> =
        await viewer.client.organizations.members.list.query({ organizationId, limit: 2, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(all[0]).toMatchObject({ userId: owner.tokens.user.id, role: 'owner' });
    expect(all.map((m) => m.userId)).toContain(viewer.tokens.user.id);
    expect(new Set(all.map((m) => m.userId)).size).toBe(all.length);
    // A viewer reads the team but does not run it.
    await expectAppCode(
      viewer.client.organizations.members.invite.mutate({
        organizationId,
        email: 'x@example.com',
        role: 'owner',
      }),
      'FORBIDDEN',
    );
    await expectAppCode(
      viewer.client.organizations.update.mutate({ id: organizationId, name: 'Mine now' }),
      'FORBIDDEN',
    );
    await expectAppCode(
      viewer.client.organizations.members.setRole.mutate({
        organizationId,
        userId: viewer.tokens.user.id,
        role: 'owner',
      }),
      'FORBIDDEN',
    );
  });

  it('changes roles and removes members, always keeping an owner, with the member told and the change audited', async () => {
    const member = await joined('staff');
    const memberId = member.tokens.user.id;
    const promoted = await owner.client.organizations.members.setRole.mutate({
      organizationId,
      userId: memberId,
      role: 'manager',
    });
    expect(promoted.role).toBe('manager');
    const told = await app.mail(member.email, /role in an organization/);
    expect(told.text).toContain('from staff to manager');
    await expectAppCode(
      owner.client.organizations.members.setRole.mutate({
        organizationId,
        userId: owner.tokens.user.id,
        role: 'viewer',
      }),
      'LAST_OWNER',
    );
    await expectAppCode(
      owner.client.organizations.members.remove.mutate({
        organizationId,
        userId: owner.tokens.user.id,
      }),
      'LAST_OWNER',
    );
    await expectAppCode(
      owner.client.organizations.members.setRole.mutate({
        organizationId,
        userId: randomUUID(),
        role: 'viewer',
      }),
      'NOT_FOUND',
    );
    // The member leaves of their own accord: told, and out at once.
    await member.client.organizations.members.remove.mutate({ organizationId, userId: memberId });
    expect((await app.mail(member.email, /left an organization/)).text).toContain('You left');
    await expectAppCode(member.client.organizations.get.query({ id: organizationId }), 'NOT_FOUND');

    // A second owner lets the first go; removing someone else tells them so.
    const second = await joined('owner');
    const third = await joined('viewer');
    await second.client.organizations.members.remove.mutate({
      organizationId,
      userId: third.tokens.user.id,
    });
    expect((await app.mail(third.email, /removed from an organization/)).text).toContain(
      'removed you from it',
    );
    const trail = await app.db.handle.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'before', 'after'])
      .where('entity', '=', 'organization')
      .where('entity_id', '=', organizationId)
      .orderBy('seq')
      .execute();
    const about = (userId: string) =>
      trail
        .filter((t) => JSON.stringify([t.before, t.after]).includes(userId))
        .map((t) => [t.action, t.actor_id]);
    expect(about(memberId)).toEqual([
      ['member_added', memberId],
      ['member_role_changed', owner.tokens.user.id],
      ['member_left', memberId],
    ]);
    expect(about(third.tokens.user.id)).toEqual([
      ['member_added', third.tokens.user.id],
      ['member_removed', second.tokens.user.id],
    ]);
    expect(trail.filter((t) => t.action === 'member_invited').length).toBeGreaterThan(3);
  });

  it('a downgraded owner loses the owner’s rights on the very next request', async () => {
    const other = await joined('owner');
    // Read once, so the roles are cached.
    await other.client.organizations.update.mutate({ id: organizationId, name: 'Blue Note' });
    await owner.client.organizations.members.setRole.mutate({
      organizationId,
      userId: other.tokens.user.id,
      role: 'viewer',
    });
    await expectAppCode(
      other.client.organizations.update.mutate({ id: organizationId, name: 'Still mine?' }),
      'FORBIDDEN',
    );
    await owner.client.organizations.members.remove.mutate({
      organizationId,
      userId: other.tokens.user.id,
    });
    await expectAppCode(other.client.organizations.get.query({ id: organizationId }), 'NOT_FOUND');
  });

  it('events belong to an organization: the one named, the only one managed, or a personal one', async () => {
    const solo = await app.signUp({ role: 'organizer', name: 'Solo' });
    const first = await solo.client.events.create.mutate(eventInput({ title: 'Solo night' }));
    const [personal] = await solo.client.organizations.mine.query();
    expect(personal).toMatchObject({ role: 'owner', organization: { name: 'Solo' } });
    expect(first.organizationId).toBe(personal?.organization.id);
    const next = await solo.client.events.create.mutate(eventInput({ title: 'Solo again' }));
    expect(next.organizationId).toBe(first.organizationId);
    // First events created at once make one personal organization, not one each.
    const eager = await app.signUp({ role: 'organizer' });
    const burst = await Promise.all(
      Array.from({ length: 6 }, () => eager.client.events.create.mutate(eventInput())),
    );
    expect(new Set(burst.map((e) => e.organizationId)).size).toBe(1);
    expect(await eager.client.organizations.mine.query()).toHaveLength(1);

    // Named: an organization whose events the caller manages; refused otherwise.
    const named = await owner.client.events.create.mutate(
      eventInput({ title: 'Hall night', organizationId }),
    );
    expect(named.organizationId).toBe(organizationId);
    const listed = await owner.client.events.list.query({ organizationId });
    expect(listed.items.map((e) => e.id)).toEqual([named.id]);
    await expectAppCode(
      solo.client.events.create.mutate(eventInput({ title: 'Not mine', organizationId })),
      'NOT_FOUND',
    );
    // The owner manages two organizations now: which one must be said.
    await expectAppCode(
      owner.client.events.create.mutate(eventInput({ title: 'Where?' })),
      'VALIDATION_FAILED',
    );
  });
});
