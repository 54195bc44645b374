import { startEmbeddedApi } from '@evently/examples-testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The one `pnpm start` every console test file uses (each makes its own people and data). */
    apiUrl: string;
    admin: { email: string; password: string };
  }
}

/** `pnpm start` once for every file: it builds the console when stale and serves it. */
export async function setup(project: TestProject) {
  // Loopback is a trusted proxy: each person the tests sign up comes from an address of their
  // own (console-harness.ts), as people would, instead of every file spending one address's
  // sign-up budget.
  const api = await startEmbeddedApi({ env: { TRUST_PROXY: '127.0.0.1' } });
  project.provide('apiUrl', api.url);
  project.provide('admin', api.admin);
  return () => api.stop();
}
