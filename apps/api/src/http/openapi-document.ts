import {
  appCodeSchema,
  auditEntrySchema,
  availabilitySchema,
  bookingItemSchema,
  bookingPageSchema,
  bookingSchema,
  checkinListSchema,
  eventPageSchema,
  eventSchema,
  ticketPageSchema,
  ticketSchema,
  ticketTypeSchema,
  tokenPairSchema,
  userSchema,
  waitlistEntrySchema,
} from '@evently/contracts';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { OpenAPIV3_1 } from 'openapi-types';
import { generateOpenApiDocument, type OpenApiMeta } from 'trpc-to-openapi';
import { trpcCodeFor } from '../errors/error-mapping.js';
import type { ProcedureMeta } from '../trpc/procedure-meta.js';
import { restErrorSchema } from './rest-errors.js';
import type { RestRoute } from './rest-route.js';

export const REST_PREFIX = '/api/v1';

/** Fails to compile when our meta type (trpc/procedure-meta.ts) stops being one the library reads. */
type ReadByTheLibrary<T extends OpenApiMeta> = T;
export type RestProcedureMeta = ReadByTheLibrary<ProcedureMeta>;

/** Schemas the document names (`components.schemas`): each use of one becomes a `$ref`. */
const namedSchemas = {
  User: userSchema,
  TokenPair: tokenPairSchema,
  Event: eventSchema,
  EventPage: eventPageSchema,
  Availability: availabilitySchema,
  TicketType: ticketTypeSchema,
  Booking: bookingSchema,
  BookingItem: bookingItemSchema,
  BookingPage: bookingPageSchema,
  WaitlistEntry: waitlistEntrySchema,
  AuditEntry: auditEntrySchema,
  Ticket: ticketSchema,
  TicketPage: ticketPageSchema,
  CheckinList: checkinListSchema,
  AppCode: appCodeSchema,
  Error: restErrorSchema,
};

/** "400: VALIDATION_FAILED, OTP_INVALID…", one line per status, from the one mapping. */
function statusesOfAppCodes(): string {
  const byStatus = new Map<number, string[]>();
  for (const [appCode, code] of Object.entries(trpcCodeFor)) {
    const status = getHTTPStatusCodeFromError(new TRPCError({ code }));
    byStatus.set(status, [...(byStatus.get(status) ?? []), appCode]);
  }
  return [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, codes]) => `- ${status}: ${codes.join(', ')}`)
    .join('\n');
}

const description = (statuses: string) => `The public surface of Evently's tRPC API as REST: the
same procedures, schemas, rules and limits. Sign in with \`POST /auth/login\` and send its
\`accessToken\` as \`Authorization: Bearer <token>\`; refresh it with \`POST /auth/refresh\`.
A batch job or an outside system sends an API key instead (\`Authorization: Bearer evk_…\`,
made by an organization's owner): it acts for that organization within its scopes
(SCOPE_MISSING beyond them).
Lists are keyset pages: pass \`nextCursor\` back as \`cursor\`. Instants are ISO-8601, money is
integer minor units. Live updates (SSE) are only served over tRPC (\`/trpc\`, the SDK).

Every error answers \`{ error: { code, appCode, message, issues?, details?, requestId } }\` with
the status of its \`appCode\`; RATE_LIMITED (429) carries \`Retry-After\`:

${statuses}`;

const OUTPUT = 'Output';

/**
 * zod-openapi renders a named schema once per side it is used on (request, response) and names
 * the response side `<name>Output`; ours are answers only, and an input twin nothing refers to
 * is left behind. Drops such twins (with the twins only they referred to) and gives each answer
 * its plain name: clients then read `Booking`, not `BookingOutput`.
 */
function plainAnswerNames(document: OpenAPIV3_1.Document): OpenAPIV3_1.Document {
  const ref = (name: string) => `"#/components/schemas/${name}"`;
  const schemas = document.components?.schemas ?? {};
  // Dropping one may leave another unreferred to (Booking's BookingItem): until none is left.
  for (let dropped = true; dropped; ) {
    dropped = false;
    const text = JSON.stringify(document);
    for (const name of Object.keys(schemas)) {
      if (!(`${name}${OUTPUT}` in schemas) || text.includes(ref(name))) continue;
      delete schemas[name];
      dropped = true;
    }
  }
  const renames = Object.keys(schemas)
    .filter((name) => name.endsWith(OUTPUT) && !(name.slice(0, -OUTPUT.length) in schemas))
    .map((name) => [name, name.slice(0, -OUTPUT.length)] as const);
  let text = JSON.stringify(document);
  for (const [from, to] of renames) text = text.replaceAll(ref(from), ref(to));
  const renamed = JSON.parse(text) as OpenAPIV3_1.Document;
  const named = renamed.components?.schemas ?? {};
  for (const [from, to] of renames) {
    named[to] = named[from] ?? {};
    delete named[from];
  }
  return renamed;
}

export interface OpenApiDocumentOptions {
  /** The API's version (`info.version`). */
  version: string;
  /** PUBLIC_URL: listed first among the servers when set. */
  publicUrl?: string | undefined;
  /** The routes the server serves (rest-route.ts). */
  routes: readonly RestRoute[];
}

/**
 * The OpenAPI 3.1 document of the REST routes, written by trpc-to-openapi from the procedures'
 * meta and their contract schemas, then given our error body: every operation answers 4XX/5XX
 * with `Error` and 429 with `Retry-After` (the library would describe an error shape of its own).
 */
export function openApiDocument(
  router: Parameters<typeof generateOpenApiDocument>[0],
  options: OpenApiDocumentOptions,
): OpenAPIV3_1.Document {
  const generated = generateOpenApiDocument(router, {
    title: 'Evently',
    version: options.version,
    description: description(statusesOfAppCodes()),
    baseUrl: REST_PREFIX,
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'The accessToken of POST /auth/login, or an API key (evk_…)',
      },
    },
    defs: namedSchemas,
  });
  // Plain JSON from here on: what is served, and no undefined left for a serializer to drop.
  const document = plainAnswerNames(JSON.parse(JSON.stringify(generated)) as OpenAPIV3_1.Document);
  document.servers = [
    ...(options.publicUrl
      ? [{ url: `${options.publicUrl.replace(/\/$/, '')}${REST_PREFIX}` }]
      : []),
    { url: REST_PREFIX, description: 'This server' },
  ];
  const components = document.components ?? {};
  for (const name of Object.keys(components.schemas ?? {})) {
    if (name.startsWith('error.')) delete components.schemas?.[name];
  }
  const errorBody = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
  components.responses = {
    Error: { description: 'Refused or failed: see appCode', content: errorBody },
    RateLimited: {
      description: 'RATE_LIMITED (or OTP_ATTEMPTS_EXCEEDED): retry after Retry-After seconds',
      headers: {
        'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } },
      },
      content: errorBody,
    },
  };
  document.components = components;

  const optional = new Set(
    options.routes.filter((r) => r.optionalAuth).map((r) => `${r.method} ${r.restPath}`),
  );
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of ['get', 'post', 'patch', 'put', 'delete'] as const) {
      const operation = item?.[method];
      const ok = operation?.responses?.['200'];
      if (!operation || !ok) continue;
      operation.responses = {
        '200': ok,
        '429': { $ref: '#/components/responses/RateLimited' },
        '4XX': { $ref: '#/components/responses/Error' },
        '5XX': { $ref: '#/components/responses/Error' },
      };
      if (optional.has(`${method.toUpperCase()} ${path}`)) {
        operation.security = [{ bearer: [] }, {}];
      }
    }
  }
  return document;
}
