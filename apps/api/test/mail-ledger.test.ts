import { describe, expect, it } from 'vitest';
import { repeatsAtKillsOnly } from './mail-ledger.js';

// The mail audit's one allowance (mail-ledger.ts): a mail may reach the sink more than once only
// through workers killed mid-send. The fault tests lean on it, so it is pinned on its own.
describe('mail audit: repeats allowed only at kills', () => {
  // Mails #10-#19 of the sink came from a worker that was then killed.
  const atKill = (index: number) => index >= 10 && index < 20;

  it('allows one copy, wherever it arrived', () => {
    expect(repeatsAtKillsOnly([3], 1, atKill)).toBe(true);
    expect(repeatsAtKillsOnly([12], 1, atKill)).toBe(true);
  });

  it('allows earlier copies sent by killed workers, each under a claim of its own', () => {
    expect(repeatsAtKillsOnly([12, 40], 2, atKill)).toBe(true);
    expect(repeatsAtKillsOnly([11, 15, 40], 3, atKill)).toBe(true);
  });

  it('refuses a repeat that arrived outside every kill', () => {
    expect(repeatsAtKillsOnly([5, 40], 2, atKill)).toBe(false);
    expect(repeatsAtKillsOnly([12, 25, 40], 3, atKill)).toBe(false);
  });

  it('refuses more copies than claims: one claim sent twice', () => {
    expect(repeatsAtKillsOnly([12, 40], 1, atKill)).toBe(false);
    expect(repeatsAtKillsOnly([11, 15, 40], 2, atKill)).toBe(false);
  });
});
