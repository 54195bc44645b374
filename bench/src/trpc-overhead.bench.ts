// What a cheap procedure costs through our tRPC server against a bare Fastify route returning
// the same JSON from memory, measured side by side in one run.
import { createServer } from '@evently/api';
import Fastify from 'fastify';
import { pino } from 'pino';
import { createBenchServices } from './bench-services.js';
import { load, printTable } from './load.js';

export async function benchTrpcOverhead(seconds: number): Promise<void> {
  const infra = await createBenchServices();
  const { system } = infra.services;
  const api = await createServer({
    config: { host: '127.0.0.1', port: 0, corsOrigins: [], trustProxy: false },
    log: pino({ level: 'silent' }),
    services: infra.services,
    checks: [],
  });
  const apiUrl = await api.start();

  const bare = Fastify({ logger: false });
  bare.get('/info', async () => ({ result: { data: system.info() } }));
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

  try {
    const rows = [
      await load('bare fastify /info', `${bareUrl}/info`, { seconds }),
      await load('tRPC system.info', `${apiUrl}/trpc/system.info`, { seconds }),
      await load('GET /info (same server)', `${apiUrl}/info`, { seconds }),
    ];
    printTable('tRPC adapter overhead (50 connections)', rows, 'bare fastify /info');
  } finally {
    await api.stop();
    await bare.close();
    await infra.close();
  }
}
