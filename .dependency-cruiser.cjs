/**
 * Import rules, checked by `npm test` (npm run lint:imports): no import cycles among src/ modules, and
 * src/core/ imports only src/core/ (plus packages and node builtins). Type-only imports count: they are
 * dependencies of the design too.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycle among src/ modules (type-only imports count).',
      from: { path: '^src/' },
      // the lazy edge of a registry spec (spec.ts: load: () => import('./index.js')) is not a cycle
      to: { circular: true, viaOnly: { dependencyTypesNot: ['dynamic-import'] } },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'src/core may only import src/core, packages and node builtins.',
      from: { path: '^src/core/' },
      to: {
        pathNot: ['^src/core/', '^node_modules/'],
        dependencyTypesNot: ['core'],
      },
    },
  ],
  options: {
    doNotFollow: { path: ['^node_modules/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
