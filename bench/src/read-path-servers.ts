// One procedure's read path served five ways, from a bare route answering JSON from memory to
// the Evently server, so the layers in between can be measured apart.
import { deepStrictEqual } from 'node:assert/strict';
import { createServer, type Services } from '@evently/api';
import Fastify from 'fastify';
import { pino } from 'pino';
import { startAdapterServer, startCallerServer } from './trpc-servers.js';

export type ReadProcedure = 'events.list' | 'events.get';

export interface ReadPathCase {
  name: string;
  url: string;
  /** Answers a batch of one call, as the SDK sends it (its body is the others' in an array). */
  batch?: boolean;
}

export interface ReadPathServers {
  /** The Evently server's base URL. */
  apiUrl: string;
  /**
   * Bare JSON, service, createCaller, adapter, Evently server (a plain call, and the SDK's batch
   * of one): the first is the baseline.
   */
  cases(procedure: ReadProcedure): ReadPathCase[];
  /** Fails unless every case answers 200 with the very same JSON. */
  assertSameAnswers(): Promise<void>;
  close(): Promise<void>;
}

export const trpcPath = (procedure: string, input: unknown) =>
  `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;

export async function startReadPathServers(
  services: Services,
  inputs: { list: { limit: number }; get: { id: string } },
): Promise<ReadPathServers> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const stop of closers.reverse()) await stop();
  };
  try {
    const answers: Record<ReadProcedure, () => Promise<unknown>> = {
      'events.list': () => services.events.list(null, inputs.list),
      'events.get': () => services.events.get(null, inputs.get.id),
    };
    // What the tRPC routes answer, kept in memory for the baseline.
    const memory = {
      'events.list': { result: { data: await answers['events.list']() } },
      'events.get': { result: { data: await answers['events.get']() } },
    };

    const bare = Fastify({ logger: false });
    for (const procedure of ['events.list', 'events.get'] as const) {
      bare.get(`/memory/${procedure}`, async () => memory[procedure]);
      bare.get(`/service/${procedure}`, async () => ({
        result: { data: await answers[procedure]() },
      }));
    }
    const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
    closers.push(() => bare.close());
    const caller = await startCallerServer(services);
    closers.push(caller.close);
    const adapter = await startAdapterServer(services);
    closers.push(adapter.close);
    const api = await createServer({
      config: { host: '127.0.0.1', port: 0, corsOrigins: [], trustProxy: false },
      log: pino({ level: 'silent' }),
      services,
      checks: [],
    });
    const apiUrl = await api.start();
    closers.push(() => api.stop());

    const cases = (procedure: ReadProcedure): ReadPathCase[] => {
      const input = procedure === 'events.list' ? inputs.list : inputs.get;
      const query = `?input=${encodeURIComponent(JSON.stringify(input))}`;
      return [
        { name: `bare Fastify, JSON from memory`, url: `${bareUrl}/memory/${procedure}` },
        { name: `bare Fastify calling the service`, url: `${bareUrl}/service/${procedure}` },
        { name: `tRPC createCaller in bare node:http`, url: `${caller.url}/${procedure}${query}` },
        {
          name: `tRPC Fastify adapter, bare Fastify`,
          url: `${adapter.url}${trpcPath(procedure, input)}`,
        },
        { name: `tRPC on the Evently server`, url: `${apiUrl}${trpcPath(procedure, input)}` },
        {
          name: `Evently server, SDK's batch of one`,
          url: `${apiUrl}/trpc/${procedure}?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: input }))}`,
          batch: true,
        },
      ];
    };

    return {
      apiUrl,
      cases,
      async assertSameAnswers() {
        for (const procedure of ['events.list', 'events.get'] as const) {
          // Availability is read live, so this holds only while nothing is booked.
          const expected = JSON.parse(JSON.stringify(memory[procedure]));
          for (const c of cases(procedure)) {
            const response = await fetch(c.url);
            deepStrictEqual(
              { procedure, case: c.name, status: response.status, body: await response.json() },
              { procedure, case: c.name, status: 200, body: c.batch ? [expected] : expected },
            );
          }
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
