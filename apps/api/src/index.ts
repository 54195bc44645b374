// What other workspace packages (the SDK's types, tests, bench) may import from the API.

export {
  createModules,
  type ModulePorts,
  type Modules,
  type ModulesConfig,
  type ModulesDeps,
} from './composition/create-modules.js';
export { startWorkerRuntime, type WorkerRuntime } from './composition/worker-runtime.js';
export { bookingsEnvShape } from './config/bookings-env.js';
export { checkPaymentsEnv, paymentsEnvShape, stripeConfigOf } from './config/payments-env.js';
export { checkTicketsEnv, ticketsEnvShape } from './config/tickets-env.js';
export { webhooksEnvShape } from './config/webhooks-env.js';
export { apiEnvSchema, readApiEnv } from './env.js';
export { AppError } from './kernel/app-error.js';
export { LIVE_CHANNEL } from './modules/analytics/live-message.js';
export { rebuildAnalytics } from './modules/analytics/rebuild.js';
export { createSystemService } from './modules/system/system.service.js';
// How ticket codes are signed: a bench seeding tickets by SQL signs their codes as the API does.
export { type TicketKeys, ticketKeys } from './modules/tickets/ticket-keys.js';
export type { AppRouter } from './router.js';
export { appRouter } from './router.js';
export { type ApiServer, createServer, MAX_BATCH_SIZE, type ServerDeps } from './server.js';
export type { Services } from './services.js';
// Procedure builders, for benches and tests that mount extra procedures beside `appRouter`.
export { authedProcedure, publicProcedure, router } from './trpc/procedures.js';
