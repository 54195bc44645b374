import { z } from 'zod';

/** `user` books, `organizer` owns events and sees their analytics, `admin` does everything. */
export const roles = ['user', 'organizer', 'admin'] as const;

export const roleSchema = z.enum(roles);

export type Role = z.infer<typeof roleSchema>;
