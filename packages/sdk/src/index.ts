export { TRPCClientError } from '@trpc/client';
export type { AuthOptions, EventlySession, SignOutReason } from './auth/session.js';
export { memoryTokenStore, type TokenStore } from './auth/token-store.js';
export * from './contracts.js';
export {
  createEventlyClient,
  type EventlyClient,
  type EventlyClientHelpers,
  type EventlyClientOptions,
} from './create-client.js';
export { EventlyError, type EventlyIssue, isEventlyError } from './errors.js';
export type { PagedQuery, PageOf, Paginate, PaginateInput, PaginateOptions } from './paginate.js';
export type {
  EventSourceCtor,
  FetchInitLike,
  FetchLike,
  FetchResponseLike,
  HeadersProvider,
  RouterInputs,
  RouterOutputs,
} from './types.js';
export { verifyWebhook, type WebhookHeaders, WebhookVerificationError } from './verify-webhook.js';
