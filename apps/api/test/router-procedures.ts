import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { appRouter } from '../src/router.js';

/**
 * Every procedure of the app's router, read from the router itself (a procedure added tomorrow
 * is walked by every test built on this), and a raw caller for them.
 */

export type ProcedureType = 'query' | 'mutation' | 'subscription';

export interface RouterProcedure {
  path: string;
  type: ProcedureType;
  /** The input schema, when the procedure takes input. */
  input: z.ZodType | undefined;
}

interface ProcedureDef {
  _def: { type: ProcedureType; inputs: z.ZodType[] };
}

export const routerProcedures: RouterProcedure[] = Object.entries(appRouter._def.procedures).map(
  ([path, procedure]) => {
    const { type, inputs } = (procedure as unknown as ProcedureDef)._def;
    if (inputs.length > 1) throw new Error(`${path}: more than one input schema`);
    return { path, type, input: inputs[0] };
  },
);

type Path = (string | number)[];
type SchemaDef = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
};

/** Where an input schema takes a string (as the client writes it): object keys, array items. */
export function stringFields(schema: z.ZodType | undefined, path: Path = []): Path[] {
  if (!schema) return [];
  const def = (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
  switch (def.type) {
    case 'string':
      return [path];
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([key, field]) =>
        stringFields(field, [...path, key]),
      );
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
      return stringFields(def.innerType, path);
    case 'pipe':
      // The client writes the pipe's input (a cursor is a string piped into its decoded key).
      return stringFields(def.in, path);
    case 'union': {
      const all = (def.options ?? []).flatMap((option) => stringFields(option, path));
      return [...new Map(all.map((p) => [p.join('.'), p])).values()];
    }
    case 'array':
      return stringFields(def.element, [...path, 0]);
    case 'intersection':
      return [...stringFields(def.left, path), ...stringFields(def.right, path)];
    default:
      return [];
  }
}

/** `value` with `path` set to `leaf` (objects and arrays created on the way). */
export function withField(value: unknown, path: Path, leaf: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return leaf;
  if (typeof head === 'number') {
    const array = Array.isArray(value) ? [...value] : [];
    array[head] = withField(array[head], rest, leaf);
    return array;
  }
  const object = typeof value === 'object' && value !== null ? { ...value } : {};
  return { ...object, [head]: withField((object as Record<string, unknown>)[head], rest, leaf) };
}

const DAY = 86_400_000;
const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();

/**
 * A valid input for every procedure that takes one: the right shapes with made-up ids, so a
 * refusal is never about another field. Keyed by path; `missingSamples()` names the gaps.
 */
export function sampleInputs(): Record<string, unknown> {
  const id = () => randomUUID();
  const email = `sample-${randomUUID()}@example.com`;
  const password = 'sample password 123';
  const window = { from: at(-7), to: at(7) };
  const event = {
    title: 'Jazz night',
    description: 'Quartet.\nDoors at 19:00.',
    venue: 'Blue Room',
    startsAt: at(10),
    endsAt: at(10.1),
    capacity: 50,
    priceCents: 2_500,
    currency: 'EUR',
    maxPerBooking: 4,
    maxPerUser: 8,
    salesStartAt: at(1),
    salesEndAt: at(9),
  };
  return {
    'auth.register': { email, password, name: 'Nia' },
    'auth.verifyEmail': { email, code: '123456' },
    'auth.resendVerification': { email },
    'auth.login': { email, password },
    'auth.refresh': { refreshToken: 'r'.repeat(43) },
    'auth.updateProfile': { name: 'Nia' },
    'auth.changePassword': { currentPassword: password, newPassword: `${password}!` },
    'auth.requestPasswordReset': { email },
    'auth.resetPassword': { email, code: '123456', newPassword: password },
    'auth.sessions.revoke': { sessionId: id() },
    'auth.users.list': { q: 'nia', role: 'user', limit: 5 },
    'auth.users.setRole': { userId: id(), role: 'user' },
    'auth.users.setActive': { userId: id(), active: true },
    'events.list': { q: 'jazz', ...window, status: 'published', organizerId: id(), limit: 5 },
    'events.get': { id: id() },
    'events.create': event,
    'events.update': { id: id(), expectedVersion: 1, patch: event },
    'events.publish': { id: id() },
    'events.cancel': { id: id(), reason: 'Venue flooded' },
    'events.delete': { id: id() },
    'bookings.create': {
      eventId: id(),
      items: [{ ticketTypeId: id(), quantity: 2, seatIds: [id(), id()] }],
      idempotencyKey: 'sample-key-1',
    },
    'bookings.confirm': { bookingId: id() },
    'payments.markPaid': {
      bookingId: id(),
      amountCents: 1500,
      currency: 'EUR',
      method: 'transfer',
      reference: 'INV-2026-001',
    },
    'payments.createCheckout': { bookingId: id() },
    'payments.forBooking': { bookingId: id() },
    'refunds.list': { eventId: id(), status: 'pending', limit: 5 },
    'refunds.markDone': { refundId: id(), reference: 'SEPA-2026-001' },
    'bookings.cancel': { bookingId: id(), reason: 'Cannot come' },
    'bookings.get': { bookingId: id() },
    'bookings.mine': { status: 'pending', limit: 5 },
    'bookings.availability': { eventId: id() },
    'bookings.listForEvent': { eventId: id(), status: 'pending', limit: 5 },
    'bookings.audit': { bookingId: id(), eventId: id(), limit: 5 },
    'bookings.waitlist.join': { eventId: id(), quantity: 1, idempotencyKey: 'sample-key-2' },
    'bookings.waitlist.leave': { entryId: id() },
    'bookings.waitlist.forEvent': { eventId: id(), limit: 5 },
    'analytics.overview': window,
    'analytics.event': { eventId: id(), ...window },
    'analytics.daily': { from: '2026-01-01', to: '2026-01-02', eventId: id() },
    'analytics.topEvents': { by: 'tickets', limit: 3, ...window },
    'analytics.live': { eventId: id(), lastEventId: '1' },
    'organizations.create': { name: 'Blue Room', slug: 'blue-room' },
    'organizations.get': { id: id() },
    'organizations.update': { id: id(), name: 'Blue Room' },
    'organizations.members.list': { organizationId: id(), limit: 5 },
    'organizations.members.invite': { organizationId: id(), email, role: 'staff' },
    'organizations.members.setRole': { organizationId: id(), userId: id(), role: 'manager' },
    'organizations.members.remove': { organizationId: id(), userId: id() },
    'organizations.invitations.accept': { code: 'A'.repeat(32) },
    'system.mail.deadLetters': { limit: 5 },
    'system.mail.replay': { ids: [id()] },
    'vouchers.create': {
      eventId: id(),
      code: 'Summer-2026',
      count: 1,
      maxUses: 5,
      validFrom: at(1),
      validUntil: at(9),
      ticketTypeIds: [id()],
      effect: { kind: 'percent', percent: 10 },
      unlocksHidden: false,
      reserved: 2,
    },
    'vouchers.list': { eventId: id(), q: 'summer', limit: 5 },
    'vouchers.update': { id: id(), patch: { maxUses: 3, validFrom: null, validUntil: at(9) } },
    'vouchers.disable': { id: id() },
    'vouchers.check': { eventId: id(), code: 'Summer-2026' },
    'ticketTypes.create': {
      eventId: id(),
      name: 'Balcony',
      description: 'Row A to F.\nStep-free.',
      priceCents: 3_500,
      minPerBooking: 1,
      maxPerBooking: 6,
      salesStartAt: at(1),
      salesEndAt: at(9),
      hidden: false,
      capacity: 40,
    },
    'ticketTypes.update': {
      id: id(),
      expectedVersion: 1,
      patch: { name: 'Balcony', priceCents: 0 },
    },
    'ticketTypes.archive': { id: id() },
    'ticketTypes.list': { eventId: id(), voucherCode: 'sample-code' },
    'quotas.create': { eventId: id(), name: 'Standing', size: 100, ticketTypeIds: [id()] },
    'quotas.update': {
      id: id(),
      expectedVersion: 1,
      name: 'Standing',
      size: 90,
      ticketTypeIds: [id()],
    },
    'quotas.delete': { id: id() },
    'quotas.list': { eventId: id() },
    'seating.setPlan': {
      eventId: id(),
      expectedVersion: 1,
      plan: {
        focus: { x: 0, y: -5 },
        sections: [
          {
            key: 'stalls',
            name: 'Stalls',
            rows: [
              {
                key: 'A',
                label: 'Row A',
                seats: [{ key: '1', label: '1', ticketTypeId: id(), x: 0, y: 0, accessible: true }],
              },
            ],
          },
        ],
      },
    },
    'seating.map': { eventId: id() },
    'seating.live': { eventId: id(), lastEventId: '1.1' },
    'tickets.mine': { limit: 5, eventId: id() },
    'tickets.forBooking': { bookingId: id() },
    'tickets.qr': { ticketId: id(), format: 'png' },
    'checkin.lists.create': {
      eventId: id(),
      name: 'North door',
      ticketTypeIds: [id()],
      allowReentry: true,
    },
    'checkin.lists.list': { eventId: id() },
    'checkin.search': { listId: id(), q: 'Alice' },
    'checkin.export': { listId: id() },
    'checkin.sync': {
      listId: id(),
      scans: [
        {
          code: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln',
          nonce: 'scan-nonce-2',
          at: '2026-12-24T19:30:00.000Z',
          direction: 'entry',
          gate: 'North',
        },
      ],
    },
    'checkin.redeem': {
      listId: id(),
      code: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln',
      nonce: 'scan-nonce-1',
      direction: 'entry',
      gate: 'North',
    },
    'webhooks.create': {
      organizationId: id(),
      url: 'https://hooks.example.com/evently',
      topics: ['booking.confirmed', 'ticket.checked_in'],
      description: 'CRM sync',
    },
    'webhooks.list': { organizationId: id() },
    'apiKeys.create': {
      organizationId: id(),
      name: 'Nightly export',
      scopes: ['bookings:read', 'analytics:read'],
      expiresAt: at(30),
    },
    'apiKeys.list': { organizationId: id() },
    'apiKeys.revoke': { id: id() },
    'webhooks.update': {
      id: id(),
      url: 'https://hooks.example.com/v2',
      topics: ['event.published'],
      description: 'CRM',
      enabled: true,
    },
    'webhooks.delete': { id: id() },
    'webhooks.rotateSecret': { id: id() },
    'webhooks.test': { id: id() },
    'webhooks.deliveries': { webhookId: id(), status: 'failed', limit: 5 },
    'webhooks.replay': { webhookId: id(), deliveryId: id(), since: at(-1) },
    'seating.block': { eventId: id(), seatIds: [id()], reason: 'Camera position' },
    'seating.unblock': { eventId: id(), seatIds: [id()] },
  };
}

/** Procedures that take input but have no sample (a new one must get one). */
export function missingSamples(samples: Record<string, unknown>): string[] {
  return routerProcedures.filter((p) => p.input && !(p.path in samples)).map((p) => p.path);
}

export interface RawAnswer {
  /** The HTTP status; a subscription's stream starts 200 and carries its error in-band. */
  status: number;
  /** The error's own status (`data.httpStatus`), for subscriptions too. */
  httpStatus: number | undefined;
  appCode: string | undefined;
  zodIssues: { path: (string | number)[]; message: string }[];
  details: Record<string, unknown> | undefined;
  body: string;
}

/** SSE frames up to the first that is not `connected`: a subscription's error, or its first data. */
async function firstFrames(response: Response, abort: AbortController): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  const timer = setTimeout(() => abort.abort(), 10_000);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
      const frames = text.split('\n\n').filter((f) => f.trim() && !f.includes('event: connected'));
      if (frames.length > 0) return text;
    }
  } catch {
    return text;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** One call over plain HTTP (no batching, no SDK): the wire as any client writes it. */
export async function callRaw(
  url: string,
  procedure: Pick<RouterProcedure, 'path' | 'type'>,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const abort = new AbortController();
  const response =
    procedure.type === 'mutation'
      ? await fetch(`${url}/trpc/${procedure.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          ...(input === undefined ? {} : { body: JSON.stringify(input) }),
        })
      : await fetch(`${url}/trpc/${procedure.path}${query}`, { headers, signal: abort.signal });
  const sse = response.headers.get('content-type')?.startsWith('text/event-stream') === true;
  const body = sse ? await firstFrames(response, abort) : await response.text();
  // tRPC's SSE sends an error as `event: serialized-error` with the error shape as data.
  const errorJson = sse
    ? /event: serialized-error\ndata: (.*)/.exec(body)?.[1]
    : body.startsWith('{')
      ? body
      : undefined;
  let shape: { data?: Partial<RawAnswer> } | undefined;
  try {
    const parsed = errorJson ? (JSON.parse(errorJson) as Record<string, unknown>) : undefined;
    shape = (sse ? parsed : parsed?.error) as typeof shape;
  } catch {
    shape = undefined;
  }
  const data = shape?.data;
  return {
    status: response.status,
    httpStatus: data?.httpStatus,
    appCode: data?.appCode,
    zodIssues: data?.zodIssues ?? [],
    details: data?.details,
    body,
  };
}
