import { defineConfig } from 'tsup';

export default defineConfig({
  // index.node is what Node resolves (the `node` export condition): the same API, with calls
  // over node:http keep-alive sockets by default.
  entry: ['src/index.ts', 'src/index.node.ts'],
  // ESM (index.js) for import, CommonJS (index.cjs) for require; each with its own declarations
  // (index.d.ts / index.d.cts), so TypeScript sees the right module format under NodeNext.
  format: ['esm', 'cjs'],
  target: 'node20',
  clean: true,
  sourcemap: true,
  // The SDK re-exports the contract schemas: bundle @evently/contracts, whose package is private
  // to the workspace and never published. Only @trpc/* and zod stay imports.
  noExternal: [/^@evently\//],
  external: ['@trpc/client', '@trpc/server', 'zod'],
  // Resolve the router type from source and inline it, so the published .d.ts imports nothing
  // but @trpc/* and zod.
  dts: {
    resolve: [/^@evently\//],
    // tRPC's declarations name Disposable/AsyncDisposable. A consumer without @types/node (a plain
    // ES2023 + DOM lib) gets them from this reference; the dts bundler drops one written in src.
    banner: '/// <reference lib="esnext.disposable" />',
    compilerOptions: {
      paths: {
        '@evently/api': ['../../apps/api/src/router.ts'],
        '@evently/contracts': ['../contracts/src/index.ts'],
      },
    },
  },
});
