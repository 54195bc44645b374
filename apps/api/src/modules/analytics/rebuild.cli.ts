// `pnpm analytics:rebuild`: recomputes every analytics read model from the source tables, in
// this process, with the configured database and Redis (changed figures go out on the live
// stream). Safe while the worker runs: the rebuild and the projection take turns. In embedded
// mode, stop `pnpm start` first (one process may hold the embedded database at a time).
import { createLogger, openInfrastructure } from '@evently/platform';
import { readApiEnv } from '../../env.js';
import { rebuildAnalytics } from './rebuild.js';

const env = readApiEnv();
const log = createLogger({ name: 'evently-analytics-rebuild', level: 'warn' });
const infra = await openInfrastructure(env, log);
try {
  const result = await rebuildAnalytics({
    db: infra.db.db,
    pubsub: infra.platform.pubsub,
    log,
    now: () => new Date(),
  });
  console.log(
    `Analytics rebuilt from the source tables: ${result.events} events, ${result.seriesRows} series rows; ` +
      `${result.changed} events' figures changed; ${result.covered} events not yet delivered to the projection marked as counted.`,
  );
} finally {
  await infra.close();
}
