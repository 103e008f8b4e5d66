// Flat config: typed rules everywhere. What may import what (folders, layers, circles, Node and
// Electron) is dependency-cruiser's job: .dependency-cruiser.cjs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.tsbuild/',
      'test-results/',
      'eslint.config.mjs',
      '.dependency-cruiser.cjs',
      'renderer/dist/',
      'dist-electron/',
      'dist/',
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
    // protocol/ runs in browsers too. Its imports are checked by dependency-cruiser; Node's
    // globals, which its tsconfig knows for the tests' sake, are checked here.
    files: ['protocol/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...[
          'process',
          'Buffer',
          'global',
          'require',
          '__dirname',
          '__filename',
          'setImmediate',
        ].map((name) => ({ name, message: 'protocol/ is environment-neutral: no Node globals.' })),
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
    files: ['**/*.test.ts', 'hub-core/test/**/*.ts', 'testkit/**/*.ts', 'e2e/**/*.ts'],
    rules: {
      // node:test's describe/it return promises that the runner awaits itself.
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  prettier,
);
