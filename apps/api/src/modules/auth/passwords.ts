import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** argon2id with the library's defaults (m=19456 KiB, t=2, p=1: OWASP's minimum). */
export interface Passwords {
  hash(password: string): Promise<string>;
  verify(passwordHash: string, password: string): Promise<boolean>;
  /**
   * Spends the time of one verification on a hash nobody has: answering "no such user" as slowly
   * as "wrong password" keeps timing from telling which emails exist.
   */
  burn(password: string): Promise<void>;
}

export async function createPasswords(): Promise<Passwords> {
  const decoy = await hash(randomBytes(32).toString('base64url'));
  return {
    hash: (password) => hash(password),
    async verify(passwordHash, password) {
      try {
        return await verify(passwordHash, password);
      } catch {
        return false;
      }
    },
    async burn(password) {
      await verify(decoy, password).catch(() => false);
    },
  };
}
