import { randomUUID } from 'node:crypto';
import type { SmtpSink } from '@evently/platform/testing';
import { createEventlyClient, type EventlyClient } from '@evently/sdk';
import type { Caller } from './api-cluster.js';
import { codeIn } from './harness.js';

/** People of a running API, in this process or spawned, made over HTTP as users make themselves. */
export interface HttpCallers {
  /** A client nobody signed in to, with a client address of its own. */
  anonymous(url: string): { client: EventlyClient; ip: string };
  /** The caller's client: their bearer, from their address. */
  as(url: string, caller: Caller): EventlyClient;
  login(url: string, email: string): Promise<Caller>;
  /** register -> the code from the SMTP sink (through the worker) -> verify -> login. */
  signUp(url: string, label: string): Promise<{ email: string; caller: Caller }>;
}

/**
 * Callers with addresses `<network>.x.y` (the API trusts loopback as a proxy; rate limits are per
 * address), signing up with `password` and reading their codes at `smtp`.
 */
export function httpCallers(options: {
  smtp: SmtpSink;
  password: string;
  network: string;
}): HttpCallers {
  let addresses = 0;
  const anonymous = (url: string) => {
    addresses += 1;
    const ip = `${options.network}.${addresses >> 8}.${addresses & 255}`;
    return { client: createEventlyClient({ url, headers: () => ({ 'x-forwarded-for': ip }) }), ip };
  };
  const login = async (url: string, email: string): Promise<Caller> => {
    const { client, ip } = anonymous(url);
    const tokens = await client.auth.login.mutate({ email, password: options.password });
    return { userId: tokens.user.id, token: tokens.accessToken, ip };
  };
  return {
    anonymous,
    as: (url, caller) =>
      createEventlyClient({
        url,
        headers: () => ({
          'x-forwarded-for': caller.ip,
          authorization: `Bearer ${caller.token}`,
        }),
      }),
    login,
    async signUp(url, label) {
      const email = `${label}-${randomUUID()}@example.com`;
      const { client } = anonymous(url);
      await client.auth.register.mutate({
        email,
        password: options.password,
        name: `Fault ${label}`,
      });
      const mail = await options.smtp.waitFor(
        (m) => m.to.includes(email) && /verif|code/i.test(m.subject),
        60_000,
      );
      await client.auth.verifyEmail.mutate({ email, code: codeIn(mail) });
      return { email, caller: await login(url, email) };
    },
  };
}
