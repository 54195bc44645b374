import { TRPCClientError } from '@evently/sdk';
import { expect } from 'vitest';

interface ErrorData {
  appCode?: string;
  details?: Record<string, unknown>;
  httpStatus?: number;
  zodIssues?: { path: (string | number)[]; message: string }[];
}

/** Awaits a call that must fail, and returns the error's data (appCode, details, …). */
export async function failure(call: Promise<unknown>): Promise<ErrorData> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return ((error as TRPCClientError<never>).data ?? {}) as ErrorData;
}

/** Asserts the call fails with `appCode`. */
export async function expectAppCode(call: Promise<unknown>, appCode: string): Promise<ErrorData> {
  const data = await failure(call);
  expect(data.appCode).toBe(appCode);
  return data;
}
