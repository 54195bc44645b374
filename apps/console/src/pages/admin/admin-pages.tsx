import type { PageGroup } from '../../page-group.js';

/**
 * The team and admin pages: the current organization's members, webhooks and API keys, and
 * for platform admins the users and the mail dead letters. Each is loaded when first opened
 * (most visits are to the events).
 */
export const adminGroup: PageGroup = {
  routes: [
    {
      path: 'members',
      lazy: async () => ({ Component: (await import('./members-page.js')).MembersPage }),
    },
    {
      path: 'webhooks',
      lazy: async () => ({ Component: (await import('./webhooks-page.js')).WebhooksPage }),
    },
    {
      path: 'webhooks/:webhookId',
      lazy: async () => ({
        Component: (await import('./webhook-deliveries-page.js')).WebhookDeliveriesPage,
      }),
    },
    {
      path: 'api-keys',
      lazy: async () => ({ Component: (await import('./api-keys-page.js')).ApiKeysPage }),
    },
    {
      path: 'admin/users',
      lazy: async () => ({ Component: (await import('./users-page.js')).UsersPage }),
    },
    {
      path: 'admin/dead-letters',
      lazy: async () => ({ Component: (await import('./dead-letters-page.js')).DeadLettersPage }),
    },
  ],
  nav: [
    { to: '/members', label: 'Members' },
    { to: '/webhooks', label: 'Webhooks' },
    { to: '/api-keys', label: 'API keys' },
    { to: '/admin/users', label: 'Users', admin: true },
    { to: '/admin/dead-letters', label: 'Dead letters', admin: true },
  ],
};
