/**
 * Waits at least `ms` by performance.now(). A timer alone may fire early: Node counts it from the
 * event loop's cached time, which can lag the moment it was set.
 */
export async function sleepAtLeast(ms: number): Promise<void> {
  const end = performance.now() + ms;
  for (let left = ms; left > 0; left = end - performance.now()) {
    await new Promise<void>((resolve) => setTimeout(resolve, Math.ceil(left)));
  }
}
