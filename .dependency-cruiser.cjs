// What may import what (`npm run lint`, and the lint stage of `npm test`). The folders, bottom up:
//   protocol/   what crosses a boundary (API schemas, IPC contract, relay codec, shared rules);
//               environment-neutral, imports nothing of ours
//   hub-core/   the hub; imports only protocol. Others enter it only by src/index.ts (and the
//               command line, src/cli.ts)
//   electron/   the desktop app's main process and preload; hub-core only by its public entry
//   renderer/   the React UI; only protocol, and zod-free: api.ts and ipc.ts as types only
//   testkit/    helpers that start real parts for tests and benchmarks
//   e2e/, scripts/  may import what they test (electron's modules, say), never another
//               folder's internals
// Another folder's files are entered by its public entries only: protocol/*.ts, never
// protocol/<part>/*.ts.

const OURS = '^(protocol|hub-core|electron|renderer|testkit|e2e|scripts)/';
const TEST = ['\\.test\\.tsx?$', '^hub-core/test/', '^renderer/test/', '^testkit/', '^e2e/'];
const PRODUCTION = ['^protocol/', '^hub-core/src/', '^electron/', '^renderer/src/'];
const NPM = [
  'npm',
  'npm-dev',
  'npm-optional',
  'npm-peer',
  'npm-bundled',
  'npm-no-pkg',
  'npm-unknown',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files that import each other in a loop.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to no file.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'protocol-imports-nothing-of-ours',
      severity: 'error',
      comment: 'protocol/ is the bottom floor: every other folder may use it, it uses none.',
      from: { path: '^protocol/' },
      to: { path: OURS, pathNot: '^protocol/' },
    },
    {
      name: 'protocol-is-environment-neutral',
      severity: 'error',
      comment:
        'protocol/ runs in the hub, the desktop app, its sandboxed preload and the browser: no ' +
        'Node built-ins, no Electron, no package but zod (its tests may read files).',
      from: { path: '^protocol/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core', ...NPM], pathNot: '^node_modules/zod/' },
    },
    {
      name: 'hub-core-imports-only-protocol',
      severity: 'error',
      comment: 'The hub runs headless: never the desktop app, the UI, or the e2e and scripts.',
      from: { path: '^hub-core/' },
      to: { path: '^(electron|renderer|e2e|scripts)/' },
    },
    {
      name: 'hub-core-runs-without-electron',
      severity: 'error',
      from: { path: '^hub-core/' },
      to: { path: '^node_modules/electron/' },
    },
    {
      name: 'electron-imports-hub-core-and-protocol-only',
      severity: 'error',
      comment: 'The desktop app never imports the UI (it reaches it over IPC) or e2e and scripts.',
      from: { path: '^electron/' },
      to: { path: '^(renderer|e2e|scripts)/' },
    },
    {
      name: 'only-the-shell-imports-electron',
      severity: 'error',
      comment:
        "Main-process features run without Electron (tests, the e2e harness): only the shell's " +
        'files (electron/main/shell/) and the preload import `electron`.',
      from: { path: '^electron/', pathNot: '^electron/(main/shell|preload)/' },
      to: { path: '^node_modules/electron/' },
    },
    {
      name: 'preload-stays-small',
      severity: 'error',
      comment:
        'The sandboxed preload carries no zod and no app code: only the channel names ' +
        '(protocol/channels.ts), and the IPC contract as types.',
      from: { path: '^electron/preload/' },
      to: {
        path: OURS,
        pathNot: '^protocol/channels\\.ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'renderer-imports-only-protocol',
      severity: 'error',
      comment:
        'The UI runs in a browser page and a sandboxed window: it reaches the hub over HTTP and ' +
        'WebSocket and the desktop app over IPC, both described in protocol/.',
      from: { path: '^renderer/src/' },
      to: { path: OURS, pathNot: '^(protocol|renderer)/' },
    },
    {
      name: 'renderer-runs-in-a-browser',
      severity: 'error',
      comment: 'No Node built-ins, no Electron in the UI.',
      from: { path: '^renderer/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-stays-zod-free',
      severity: 'error',
      comment:
        "The UI's bundle carries no zod: it takes types only from protocol's zod entries " +
        '(api.ts, ipc.ts), and values from rules.ts and channels.ts.',
      from: { path: '^renderer/src/' },
      to: { path: '^protocol/(api|ipc)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'renderer-imports-no-zod',
      severity: 'error',
      from: { path: '^renderer/src/' },
      to: { path: '^node_modules/zod/' },
    },
    {
      name: 'renderer-app-on-top',
      severity: 'error',
      comment:
        "The renderer's app/ composes the screens and the stores: store/, voice/ and lib/ sit " +
        'below it and never import it.',
      from: { path: '^renderer/src/(store|voice|lib)/' },
      to: { path: '^renderer/src/app/' },
    },
    {
      name: 'renderer-lib-is-a-leaf',
      severity: 'error',
      comment:
        "lib/ holds the renderer's shared pieces (the Platform interface, errors, router): it " +
        'imports none of the feature folders.',
      from: { path: '^renderer/src/lib/' },
      to: { path: '^renderer/src/', pathNot: '^renderer/src/lib/' },
    },
    {
      name: 'renderer-platform-chosen-once',
      severity: 'error',
      comment:
        'The web and desktop platforms are chosen once, in main.tsx (platform/choose.ts); ' +
        'everything else asks the Platform interface (lib/platform.ts). They build on lib/ only.',
      from: { path: '^renderer/src/', pathNot: '^renderer/src/(main\\.tsx|platform/)' },
      to: { path: '^renderer/src/platform/' },
    },
    {
      name: 'renderer-platforms-use-lib-only',
      severity: 'error',
      from: { path: '^renderer/src/platform/' },
      to: { path: '^renderer/src/', pathNot: '^renderer/src/(lib|platform)/' },
    },
    {
      name: 'testkit-uses-public-entries',
      severity: 'error',
      comment: 'The test kit starts real parts through the folders they come from, their entries.',
      from: { path: '^testkit/' },
      to: { path: '^(electron|renderer|e2e|scripts)/' },
    },
    {
      name: 'production-never-imports-tests',
      severity: 'error',
      comment: 'No test, test helper or e2e module in what ships.',
      from: { path: PRODUCTION, pathNot: TEST },
      to: { path: [...TEST, '^scripts/'] },
    },
    {
      name: 'no-deep-imports-into-protocol',
      severity: 'error',
      comment: 'Outside protocol/, import its public entries (protocol/*.ts), not its parts.',
      from: { pathNot: '^protocol/' },
      to: { path: '^protocol/[^/]+/' },
    },
    {
      name: 'no-deep-imports-into-hub-core',
      severity: 'error',
      comment:
        'Outside hub-core/, import hub-core/src/index.ts (or the command line, cli.ts): not the ' +
        "hub's internals, nor its tests (shared test helpers live in testkit/).",
      from: { pathNot: '^hub-core/' },
      to: { path: '^hub-core/', pathNot: '^hub-core/src/(index|cli)\\.ts$' },
    },
    {
      name: 'no-imports-of-the-renderer',
      severity: 'error',
      comment: 'The UI is a bundle of its own (renderer/dist): only its own tests import it.',
      from: { pathNot: '^renderer/' },
      to: { path: '^renderer/src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(\\.tsbuild|dist|dist-electron|release|renderer/dist)/' },
    // Type-only imports count: a circle or a layer crossed by types is still crossed.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
