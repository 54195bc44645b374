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

/** What a call came to: its value, or the appCode (and details) it was refused with. */
export type Outcome<T> =
  | { kind: 'answered'; value: T }
  | { kind: 'refused'; code: string; details: Record<string, unknown> | undefined };

/**
 * Settles a call into its outcome, never throwing: a refusal is its appCode, anything else
 * (a timeout, a dropped connection) is `no answer (…)`, which no test expects.
 */
export async function outcomeOf<T>(call: Promise<T>): Promise<Outcome<T>> {
  try {
    return { kind: 'answered', value: await call };
  } catch (error) {
    if (error instanceof TRPCClientError) {
      const data = (error.data ?? {}) as ErrorData;
      return {
        kind: 'refused',
        code: data.appCode ?? `no answer (${error.message})`,
        details: data.details,
      };
    }
    return { kind: 'refused', code: `no answer (${String(error)})`, details: undefined };
  }
}
