import type { MemberRole } from '@evently/contracts';
import type { Principal } from './principal.js';

/** A caller's role in each organization they belong to (organization id -> role). */
export type RolesByOrganization = Readonly<Record<string, MemberRole>>;

/**
 * Who belongs where, as of this request (the organizations module answers it through the cache
 * port, forgotten on every change). Modules ask it for the facts the access policy decides on.
 */
export interface MemberRoles {
  /** The caller's roles; none for nobody. */
  of(principal: Principal | null): Promise<RolesByOrganization>;
}
