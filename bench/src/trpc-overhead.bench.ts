// What a cheap procedure costs through our tRPC server against a bare Fastify route returning
// the same JSON from memory, measured side by side in one run.
import { createServer, createSystemService } from '@evently/api';
import Fastify from 'fastify';
import { pino } from 'pino';

import { load, printTable } from './load.js';

export async function benchTrpcOverhead(seconds: number): Promise<void> {
  const system = createSystemService({
    name: 'evently-api',
    version: 'bench',
    mode: 'embedded',
    now: () => new Date(),
  });
  const api = await createServer({
    config: { host: '127.0.0.1', port: 0, corsOrigins: [], trustProxy: false },
    log: pino({ level: 'silent' }),
    services: { system },
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
  }
}
