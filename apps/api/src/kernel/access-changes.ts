/**
 * Tells every instance that what some users may do changed (a membership removed or lowered),
 * so their open streams check their access again at once instead of at their next timed check.
 * Requests need no message: they read roles on every call.
 */
export interface AccessChanges {
  /** Call after the change committed and the cached roles were forgotten; never throws. */
  announce(userIds: readonly string[]): Promise<void>;
}
