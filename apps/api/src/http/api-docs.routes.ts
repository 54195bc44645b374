import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types';

export const OPENAPI_PATH = '/api/openapi.json';
export const DOCS_PATH = '/docs';

/**
 * The page loads its scripts, styles and the document from this server only (Swagger UI's files
 * come from its package): nothing from a CDN, no inline script. Its components set inline styles,
 * and its logo is a data: image.
 */
const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

/**
 * `GET /api/openapi.json` (the document, serialized once) and the docs page at `/docs`: Swagger UI
 * served from `@fastify/swagger-ui`'s own files, reading the same document (`/docs/json`, from
 * `@fastify/swagger` in static mode, which the UI plugin requires). Scalar's Fastify plugin wants
 * Node >= 22; we support 20.
 */
export async function registerApiDocs(
  app: FastifyInstance,
  document: OpenAPIV3_1.Document,
): Promise<void> {
  const json = JSON.stringify(document);
  app.get(OPENAPI_PATH, (_req, reply) =>
    reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(json),
  );
  await app.register(fastifySwagger, {
    mode: 'static',
    // Its types stop at OpenAPI 3.0; it serves the object as it is.
    specification: { document: document as unknown as OpenAPIV3.Document },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PATH,
    staticCSP: DOCS_CSP,
    // No badge from validator.swagger.io: the page talks to this server only.
    validatorUrl: false,
    theme: { title: 'Evently API' },
    uiConfig: { deepLinking: true, persistAuthorization: false },
  });
}
