import type { RouterInputs } from '@evently/sdk';

export type ApiKeyScope = RouterInputs['apiKeys']['create']['scopes'][number];

/**
 * Every scope a key may have, in the API's order, with what it allows. (The SDK does not
 * re-export `apiKeyScopes`; the Record's type makes this list follow the API's scopes.)
 */
const scopeHelp: Record<ApiKeyScope, string> = {
  'events:read': 'read events, ticket types, vouchers and quotas',
  'events:write': 'create and change events (includes reading them)',
  'bookings:read': 'read bookings, tickets, payments and refunds',
  'bookings:write': 'confirm, cancel and mark bookings paid (includes reading them)',
  'analytics:read': 'read sales figures and charts',
  checkin: 'scan and search tickets at the doors',
  'webhooks:manage': 'manage this organization’s webhooks',
};

export const scopeOptions = (Object.keys(scopeHelp) as ApiKeyScope[]).map((scope) => ({
  value: scope,
  label: scope,
  description: scopeHelp[scope],
}));
