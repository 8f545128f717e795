// Import rules for the whole tree, checked by `npm run deps` (part of `npm test`).
// Type-only imports count between folders: a cycle a reader has to hold in their head is a cycle.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'library-reads-no-configuration-data',
      severity: 'error',
      comment:
        'The construct library says what a configuration may hold; environments/ holds the data. ' +
        'Data imports the library, never the other way round.',
      from: { path: '^constructs/' },
      to: { path: '^environments/' },
    },
    {
      name: 'no-runtime-module-cycle',
      severity: 'error',
      comment:
        'No runtime import cycle between files. (A type-only one inside a folder is allowed: ' +
        'AppDefinition.build returns an AppConstruct, which holds its AppDefinition.)',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-folder-cycle',
      severity: 'error',
      comment: 'No import cycle between folders: each folder depends on others one way.',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|gitops|\\.build)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
