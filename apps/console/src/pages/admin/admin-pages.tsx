import type { PageGroup } from '../../page-group.js';
import { ApiKeysPage } from './api-keys-page.js';
import { DeadLettersPage } from './dead-letters-page.js';
import { MembersPage } from './members-page.js';
import { UsersPage } from './users-page.js';
import { WebhookDeliveriesPage } from './webhook-deliveries-page.js';
import { WebhooksPage } from './webhooks-page.js';

/**
 * The team and admin pages: the current organization's members, webhooks and API keys, and
 * for platform admins the users and the mail dead letters.
 */
export const adminGroup: PageGroup = {
  routes: [
    { path: 'members', element: <MembersPage /> },
    { path: 'webhooks', element: <WebhooksPage /> },
    { path: 'webhooks/:webhookId', element: <WebhookDeliveriesPage /> },
    { path: 'api-keys', element: <ApiKeysPage /> },
    { path: 'admin/users', element: <UsersPage /> },
    { path: 'admin/dead-letters', element: <DeadLettersPage /> },
  ],
  nav: [
    { to: '/members', label: 'Members' },
    { to: '/webhooks', label: 'Webhooks' },
    { to: '/api-keys', label: 'API keys' },
    { to: '/admin/users', label: 'Users', admin: true },
    { to: '/admin/dead-letters', label: 'Dead letters', admin: true },
  ],
};
