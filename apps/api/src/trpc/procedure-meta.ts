/**
 * What a procedure may say about itself beside its schemas: its REST route, which
 * `trpc-to-openapi` reads to describe it in the OpenAPI document and `http/rest-route.ts` serves
 * under `/api/v1`. Declared here rather than as trpc-to-openapi's `OpenApiMeta`: the meta type is
 * part of `AppRouter`'s, so a library type here would leak into the SDK's declarations
 * (`http/openapi-document.ts` checks that this one stays assignable to the library's). Type
 * aliases, not interfaces: tRPC wants meta assignable to `Record<string, unknown>`.
 */
export type ProcedureMeta = {
  openapi?: RestRoute;
};

export type RestMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export type RestRoute = {
  method: RestMethod;
  /** Under `/api/v1`; a `{name}` segment is the input field of that name. */
  path: `/${string}`;
  summary: string;
  /** One tag per area: the docs page groups operations by it. */
  tags: [string];
  /** True: a bearer token is required (an API key once they exist). */
  protect: boolean;
  /** A token is optional and, when sent, changes what the caller may see (drafts, hidden types). */
  optionalAuth?: true;
};

/** Who may call a route: a signed-in caller, anyone, or anyone with what a token adds. */
export type RestAuth = 'required' | 'none' | 'optional';

/**
 * A REST route for `.meta()`: `rest('GET /events/{id}', 'events', 'An event')`. Subscriptions
 * have none (SSE stays tRPC's).
 */
export function rest(
  route: `${RestMethod} /${string}`,
  tag: string,
  summary: string,
  auth: RestAuth = 'required',
): ProcedureMeta {
  const space = route.indexOf(' ');
  return {
    openapi: {
      method: route.slice(0, space) as RestMethod,
      path: route.slice(space + 1) as `/${string}`,
      summary,
      tags: [tag],
      protect: auth === 'required',
      ...(auth === 'optional' && { optionalAuth: true }),
    },
  };
}
