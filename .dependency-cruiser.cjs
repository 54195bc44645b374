// The house rules, checked in CI (`pnpm check:deps`): which folder may import which, and no
// import cycles (type-only imports included: a type cycle still ties the files together).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Files that import each other, directly or around a longer loop.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'modules-stay-out-of-the-transport',
      severity: 'error',
      comment:
        "Modules import the kernel, never trpc/ or http/. Only a module's router (its tRPC adapter) may use trpc/.",
      from: { path: '^apps/api/src/modules/', pathNot: '\\.router\\.ts$' },
      to: { path: '^apps/api/src/(trpc|http)/' },
    },
    {
      name: 'routers-stay-out-of-http',
      severity: 'error',
      from: { path: '^apps/api/src/modules/.+\\.router\\.ts$' },
      to: { path: '^apps/api/src/http/' },
    },
    {
      name: 'no-foreign-repositories',
      severity: 'error',
      comment:
        "A module reads another module's data through that module's service, never its repository.",
      // Tests may seed another module's rows through its repository.
      from: { path: '^apps/api/src/modules/([^/]+)/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^apps/api/src/modules/[^/]+/.*\\.(repository|queries)\\.ts$',
        pathNot: '^apps/api/src/modules/$1/',
      },
    },
    {
      name: 'kernel-is-neutral',
      severity: 'error',
      comment: 'The kernel is what every module imports; it imports none of them.',
      from: { path: '^apps/api/src/kernel/' },
      to: { path: '^apps/api/src/(modules|access|trpc|http|composition)/' },
    },
    {
      name: 'access-policy-imports-only-the-kernel',
      severity: 'error',
      from: { path: '^apps/api/src/access/' },
      to: { path: '^apps/api/src/(modules|trpc|http|composition)/' },
    },
    {
      name: 'packages-do-not-import-apps',
      severity: 'error',
      comment: 'The SDK names the router type through a tsconfig path, not by importing the app.',
      from: { path: '^packages/', pathNot: '^packages/sdk/' },
      to: { path: '^apps/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.turbo|\\.evently)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
