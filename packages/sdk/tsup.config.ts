import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  clean: true,
  sourcemap: true,
  // Resolve the router type from source and inline it, so the published .d.ts imports nothing
  // but @trpc/* and zod.
  dts: {
    resolve: [/^@evently\//],
    compilerOptions: {
      paths: {
        '@evently/api': ['../../apps/api/src/router.ts'],
        '@evently/contracts': ['../contracts/src/index.ts'],
      },
    },
  },
  external: ['@trpc/client', '@trpc/server', 'zod'],
});
