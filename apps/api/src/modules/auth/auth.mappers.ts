import type { Session, User } from '@evently/contracts';
import type { SessionRow, UserRow } from './auth.repository.js';

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    emailVerified: row.email_verified_at !== null,
    active: row.active,
    createdAt: row.created_at.toISOString(),
  };
}

export function toSession(row: SessionRow, currentSessionId: string): Session {
  return {
    id: row.id,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at.toISOString(),
    userAgent: row.user_agent,
    ip: row.ip,
    current: row.id === currentSessionId,
  };
}
