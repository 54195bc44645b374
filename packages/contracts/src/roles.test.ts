import { describe, expect, it } from 'vitest';
import { roleSchema, roles } from './roles.js';

describe('roles', () => {
  it('are exactly user, organizer and admin', () => {
    expect(roles).toEqual(['user', 'organizer', 'admin']);
    for (const role of roles) expect(roleSchema.parse(role)).toBe(role);
  });

  it.each(['Admin', 'superuser', '', null])('rejects %j', (v) => {
    expect(roleSchema.safeParse(v).success).toBe(false);
  });
});
