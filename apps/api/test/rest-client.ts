import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './rest-openapi.generated.js';

export type RestClient = Client<paths>;

let clients = 0;

/**
 * A REST client as a stranger to the SDK would make one: `openapi-fetch` typed by the types
 * `openapi-typescript` wrote for the served document (rest-openapi.generated.ts), on the server
 * the document names (`servers[0]`, relative to where it was served). Each client comes from an
 * address of its own (X-Forwarded-For; the test app trusts loopback as its proxy), as the SDK
 * clients of the harness do, so their rate limits are their own.
 */
export async function restClient(
  apiUrl: string,
  options: { token?: string; address?: string } = {},
): Promise<RestClient> {
  const documentUrl = `${apiUrl}/api/openapi.json`;
  const document = (await (await fetch(documentUrl)).json()) as { servers: { url: string }[] };
  const server = document.servers[0]?.url ?? '';
  clients += 1;
  return createClient<paths>({
    baseUrl: new URL(server, documentUrl).href,
    headers: {
      'x-forwarded-for': options.address ?? `10.200.${(clients >> 8) & 255}.${clients & 255}`,
      ...(options.token && { authorization: `Bearer ${options.token}` }),
    },
  });
}

/** A client signed in over REST (`POST /auth/login`) with these credentials. */
export async function signedInRestClient(
  apiUrl: string,
  credentials: { email: string; password: string },
): Promise<{ client: RestClient; accessToken: string; refreshToken: string }> {
  const anonymous = await restClient(apiUrl);
  const { data, error } = await anonymous.POST('/auth/login', { body: credentials });
  if (!data) throw new Error(`login refused: ${JSON.stringify(error)}`);
  return {
    client: await restClient(apiUrl, { token: data.accessToken }),
    accessToken: data.accessToken,
    refreshToken: data.refreshToken,
  };
}
