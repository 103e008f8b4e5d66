// Flat config: typed rules everywhere, plus the folder boundaries from DESIGN.md section 3.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.tsbuild/',
      'test-results/',
      'eslint.config.mjs',
      'renderer/dist/',
      'dist-electron/',
      'release/',
      'e2e/screenshots/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A `using` binding exists to be disposed at scope exit (a room's lock), never read.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreUsingDeclarations: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': 'off',
      // Fastify handlers are async by convention, even when they don't await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // hub-core runs headless: it never reaches into the desktop shell or the UI.
    files: ['hub-core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'hub-core runs without Electron.' }],
          patterns: [
            { group: ['electron/*'], message: 'hub-core runs without Electron.' },
            {
              group: ['**/renderer/**', 'renderer'],
              message: 'hub-core never imports the renderer.',
            },
            { group: ['**/electron/**'], message: 'hub-core never imports the Electron shell.' },
          ],
        },
      ],
    },
  },
  {
    // protocol/ is shared with the renderer and preload: environment-neutral, no Node APIs.
    files: ['hub-core/src/protocol/**/*.ts'],
    // Tests of the codec may read the spec's test vectors from disk; they never ship.
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'protocol is environment-neutral.' },
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'protocol imports no Node built-ins.',
            })),
          ],
          patterns: [
            { group: ['node:*'], message: 'protocol imports no Node built-ins.' },
            {
              group: ['**/renderer/**', '**/electron/**'],
              message: 'protocol is environment-neutral.',
            },
          ],
        },
      ],
    },
  },
  {
    // The renderer runs in a browser page (and Electron's sandboxed window): no Node, no
    // Electron, and from hub-core only the environment-neutral protocol.
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'The renderer reaches main only through window.backline.',
            },
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer runs in a browser.' })),
          ],
          patterns: [
            { group: ['node:*'], message: 'The renderer runs in a browser.' },
            {
              regex: 'electron/(?!contract(\\.js)?$)',
              message:
                'The renderer reaches main only through IPC; it may import only electron/contract.',
            },
            {
              regex: 'hub-core/(?!src/protocol/)',
              message: 'The renderer imports only hub-core/src/protocol.',
            },
          ],
        },
      ],
    },
  },
  {
    // Main-process features run without Electron (tests, the e2e harness): only the shell's
    // entry files and the preload import `electron`.
    files: ['electron/**/*.ts'],
    ignores: ['electron/main/shell/**', 'electron/preload/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Only electron/main/shell/* and electron/preload/* import electron.',
            },
          ],
          patterns: [{ group: ['**/renderer/**'], message: 'Main never imports the renderer.' }],
        },
      ],
    },
  },
  {
    // ipcMain and ipcRenderer live in exactly two files: the bridge and the preload.
    files: ['electron/main/shell/**/*.ts'],
    ignores: ['electron/main/shell/ipcBridge.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportSpecifier[imported.name='ipcMain']",
          message: 'Only shell/ipcBridge.ts touches ipcMain.',
        },
      ],
    },
  },
  {
    files: ['electron/contract.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*'], message: 'The contract is environment-neutral.' }] },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'hub-core/test/**/*.ts', 'e2e/**/*.ts'],
    rules: {
      // node:test's describe/it return promises that the runner awaits itself.
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  prettier,
);
