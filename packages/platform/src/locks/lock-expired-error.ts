/** The abort reason given to a holder whose lock was lost: it must not commit its work. */
export class LockExpiredError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`lock on ${key} was lost: ${reason}`);
    this.name = 'LockExpiredError';
  }
}
