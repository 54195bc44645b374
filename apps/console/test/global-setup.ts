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
  const api = await startEmbeddedApi();
  project.provide('apiUrl', api.url);
  project.provide('admin', api.admin);
  return () => api.stop();
}
