import type { OperationContext } from '@trpc/client';

// What the SDK's links tell each other through an operation's context (string keys: tRPC's
// context is a plain record that also travels through user links).

/** Set on the SDK's own login and refresh calls: they must not wait for, or trigger, a refresh. */
const SKIP_AUTH = 'evently.skipAuth';
/** The access token the transport put on the request that carried this operation. */
const SENT_TOKEN = 'evently.sentAccessToken';
/** The X-Request-Id of that request. */
const REQUEST_ID = 'evently.requestId';

export const skipAuthContext: OperationContext = { [SKIP_AUTH]: true };

export function skipsAuth(context: OperationContext): boolean {
  return context[SKIP_AUTH] === true;
}

export function recordSent(context: OperationContext, token: string | null, requestId: string) {
  context[SENT_TOKEN] = token;
  context[REQUEST_ID] = requestId;
}

export function sentTokenOf(context: OperationContext): string | null {
  const token = context[SENT_TOKEN];
  return typeof token === 'string' ? token : null;
}

export function requestIdOf(context: OperationContext): string | undefined {
  const id = context[REQUEST_ID];
  return typeof id === 'string' ? id : undefined;
}
