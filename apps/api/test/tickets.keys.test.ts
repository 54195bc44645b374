import { generateKeyPairSync } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketKeys } from '../src/modules/tickets/ticket-keys.js';

const claims = {
  tid: '11111111-1111-4111-8111-111111111111',
  eid: '22222222-2222-4222-8222-222222222222',
  tt: '33333333-3333-4333-8333-333333333333',
};
const pem = () =>
  generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

// The keys ticket codes are signed with, on a database of their own: TICKET_SIGNING_KEY given as
// a PEM (one line with \n too) or a JWK; rotation keeps the old key's codes valid; a revoked
// key's codes are refused and it leaves the JWKS; without a key, the database keeps one of its
// own (outside production only).
describe('ticket keys', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('ticket-keys');
  });
  afterAll(async () => database?.drop());
  const db = () => database.handle.db;

  it('keeps codes of a rotated key valid until the key is revoked', async () => {
    const first = ticketKeys(db(), { signingKey: pem(), production: true });
    const code = await first.sign(claims);
    expect(await first.verify(code)).toEqual(claims);

    // Rotated: a new key signs; the old one still verifies (on another instance too).
    const second = ticketKeys(db(), {
      signingKey: pem().replaceAll('\n', '\\n'),
      production: true,
    });
    const newer = await second.sign(claims);
    expect(newer).not.toBe(code);
    expect(await second.verify(code)).toEqual(claims);
    expect((await second.jwks()).keys).toHaveLength(2);

    // Revoked: refused by an instance reading the keys afresh, and no longer published.
    const [oldKid] = (await first.jwks()).keys.map((k) => k.kid);
    await db()
      .updateTable('ticket_signing_keys')
      .set({ revoked_at: new Date() })
      .where('kid', '=', oldKid ?? '')
      .execute();
    const third = ticketKeys(db(), { signingKey: pem(), production: true });
    expect(await third.verify(code)).toBeUndefined();
    expect(await third.verify(newer)).toEqual(claims);
    expect((await third.jwks()).keys.map((k) => k.kid)).not.toContain(oldKid);
  });

  it('refuses codes that are not ours: forged, tampered, unsigned, of another shape', async () => {
    const keys = ticketKeys(db(), { signingKey: pem(), production: true });
    const code = await keys.sign(claims);
    const [header, , signature] = code.split('.');
    const tampered = [
      header,
      Buffer.from(JSON.stringify({ ...claims, tid: claims.eid })).toString('base64url'),
      signature,
    ].join('.');
    expect(await keys.verify(tampered)).toBeUndefined();
    expect(await keys.verify('not.a.code')).toBeUndefined();
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${code.split('.')[1]}.`;
    expect(await keys.verify(none)).toBeUndefined();
    // A key made elsewhere and never registered here.
    const { privateKey } = generateKeyPairSync('ed25519');
    const foreign = ticketKeys(db(), {
      signingKey: JSON.stringify(await exportJWK(privateKey)),
      production: true,
    });
    const foreignCode = await foreign.sign(claims);
    // Forget it (as if it were made on another deployment): its codes are not ours.
    const { kid } = JSON.parse(
      Buffer.from(foreignCode.split('.')[0] ?? '', 'base64url').toString(),
    ) as { kid: string };
    await db().deleteFrom('ticket_signing_keys').where('kid', '=', kid).execute();
    const fresh = ticketKeys(db(), { signingKey: pem(), production: true });
    expect(await fresh.verify(foreignCode)).toBeUndefined();
    // Signed right, but not a ticket's claims.
    expect(await keys.verify(await keys.sign({ ...claims, tid: 'nope' }))).toBeUndefined();
  });

  it('keeps a key of its own outside production, and refuses to in production', async () => {
    const own = ticketKeys(db(), { production: false });
    const code = await own.sign(claims);
    // Another start (or instance) takes the same kept key: the code is unchanged.
    expect(await ticketKeys(db(), { production: false }).sign(claims)).toBe(code);
    await expect(ticketKeys(db(), { production: true }).sign(claims)).rejects.toThrow(
      /TICKET_SIGNING_KEY is required in production/,
    );
  });
});
