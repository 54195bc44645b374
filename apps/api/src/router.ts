import { systemRouter } from './modules/system/system.router.js';
import { router } from './trpc/procedures.js';

export const appRouter = router({
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
