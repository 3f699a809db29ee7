// ESLint flat config: type-checked typescript-eslint everywhere TypeScript lives, React hooks rules for the
// renderer, and the layer rules of ARCHITECTURE.md as `no-restricted-imports` (tsc project references enforce
// the same boundaries at build time; these put them in the editor). Formatting is Prettier's job, not ESLint's.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import lathe from './eslint-local-rules.mjs';

/**
 * The one place `any` is allowed (`@typescript-eslint/no-explicit-any` is an error elsewhere).
 * Each entry: the files and why. Keep it short; prefer `unknown` plus a zod parse.
 */
const ANY_ALLOWED = [
  // Hand-written declarations for untyped third-party modules mirror their loose JS APIs.
  { files: ['**/*.d.ts'], reason: 'ambient declarations of untyped packages' },
];

// --- Layer rules -------------------------------------------------------------------------------------------

// Patterns are regexes anchored at the start: gitignore-style groups such as `electron/*` would also match
// relative paths like `../main/electron/ipc`.
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const packages = (...names) => `^(${names.map(escape).join('|')})(/|$)`;
const nodeBuiltins = [...new Set(builtinModules.map((m) => m.replace(/^node:/, '')))];

const noNode = (where) => ({
  regex: `^node:|${packages(...nodeBuiltins)}`,
  message: `${where} runs without Node: no node:* or Node built-ins.`,
});
const noElectron = (why, allowTypeImports = false) => ({
  regex: packages('electron'),
  message: why,
  allowTypeImports,
});
const noReact = (where) => ({
  regex: packages('react', 'react-dom'),
  message: `${where} does not use React.`,
});
const noMain = (where) => ({
  regex: '^(\\.\\./)+main(/|$)',
  message: `${where} must not import main/: use shared/contract (and window.lathe in the renderer).`,
});
const noRenderer = (where) => ({
  regex: '^(\\.\\./)+renderer(/|$)',
  message: `${where} must not import renderer/.`,
});
const noFaces = (faces, where) => ({
  regex: `^(\\./|(\\.\\./)+)(main/)?(${faces.join('|')})(/|$)`,
  message: `${where} must not import ${faces.map((f) => `main/${f}`).join(', ')}: dependencies point from the faces to services, never back.`,
});
const noCompositionRoot = {
  regex: '^(\\.\\./)+(main/)?services(\\.ts)?$',
  message:
    'Domain services get their dependencies injected; only the faces import main/services.ts.',
};
const electronOnlyInMainElectron = noElectron(
  "Only main/electron/ imports 'electron'; pass paths and callbacks in as arguments instead.",
);

// The typescript-eslint variant of the rule understands `import type` (see the tests entry).
const restrict = (...patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
});

const REPORT_HTML = 'main/evaluate/report-html.ts';
const DOM_GLOBALS = [
  'window',
  'document',
  'navigator',
  'location',
  'history',
  'localStorage',
  'sessionStorage',
  'fetch',
  'addEventListener',
  'removeEventListener',
  'requestAnimationFrame',
  'getComputedStyle',
  'matchMedia',
  'ResizeObserver',
];

// --- Faces and domains -------------------------------------------------------------------------------------
// The faces reach main/ only through the composition root and api/; domains depend only on the ones before
// them in the flow. A pattern sees the import text, not the resolved file, so each rule is written per
// folder depth: from main/<folder>/<depth - 1 subfolders>/x.ts, `../` × depth is main/ itself. These
// entries come after the ones above and repeat their patterns (a later entry's options replace earlier ones).

/** Domain folders in the order work flows; each may import those before it (and api/event-bus). */
const DOMAINS = [
  'workspace',
  'data',
  'features',
  'train',
  'tracking',
  'evaluate',
  'registry',
  'serve',
  'monitor',
  'mlflow',
  'pipeline',
];
const DEPTHS = [1, 2, 3];
const up = (depth) => `^(\\.\\./){${depth}}(?!\\.\\./)`;

/** main/<name> other than `allowed`, imported from `depth` folders below main/. */
const onlyThrough = (depth, allowed, where) => ({
  regex: `${up(depth)}(?!(${allowed.map(escape).join('|')})(/|\\.ts$|$))`,
  message: `${where} imports main/ only through ${allowed.map((a) => `main/${a}`).join(', ')}: a face reaches the domains through the dispatcher.`,
});
const laterDomains = (domain, depth) => {
  const later = DOMAINS.slice(DOMAINS.indexOf(domain) + 1);
  if (later.length === 0) return null;
  return {
    regex: `${up(depth)}(${later.join('|')})(/|$)`,
    message: `main/${domain} may import only the domains before it (${DOMAINS.join(' < ')}): not ${later.map((d) => `main/${d}`).join(', ')}.`,
  };
};
const apiOtherThanEventBus = (depth) => ({
  regex: `${up(depth)}api/(?!event-bus(\\.ts)?$)`,
  message:
    'Domain services use api/event-bus only; the dispatcher and transports belong to the faces.',
});
const perDepth = (name, folder, ignores, patternsAt) =>
  DEPTHS.map((depth) => ({
    name: `lathe/${name}/${depth}`,
    files: [`main/${folder}/${'*/'.repeat(depth - 1)}*.ts`],
    ignores,
    rules: restrict(...patternsAt(depth).filter(Boolean)),
  }));

const faceLayers = [
  // `lathe ui` and the app start the host: the one face another face may import.
  ...perDepth('faces/cli', 'cli', [], (depth) => [
    electronOnlyInMainElectron,
    noReact('main/'),
    noRenderer('main/'),
    noFaces(['electron'], 'main/cli'),
    onlyThrough(depth, ['services', 'api', 'version', 'host'], 'main/cli'),
  ]),
  ...perDepth('faces/host', 'host', [], (depth) => [
    electronOnlyInMainElectron,
    noReact('main/'),
    noRenderer('main/'),
    noFaces(['electron', 'cli'], 'main/host'),
    onlyThrough(depth, ['services', 'api', 'version'], 'main/host'),
  ]),
  ...perDepth('faces/electron', 'electron', [], (depth) => [
    noReact('main/'),
    noRenderer('main/'),
    onlyThrough(depth, ['services', 'api', 'version', 'host'], 'main/electron'),
  ]),
];

const domainLayers = DOMAINS.flatMap((domain) =>
  perDepth(`domains/${domain}`, domain, [REPORT_HTML], (depth) => [
    electronOnlyInMainElectron,
    noReact('main/'),
    noRenderer('main/'),
    noFaces(['electron', 'host', 'cli'], 'Domain services'),
    noCompositionRoot,
    laterDomains(domain, depth),
    apiOtherThanEventBus(depth),
  ]),
);

const layers = [
  {
    name: 'lathe/layers/shared',
    files: ['shared/**/*.ts'],
    rules: restrict(
      {
        // Anything that is neither zod nor a relative import inside shared/.
        regex: '^(?!zod(/|$)|\\.)',
        message: 'shared/ depends on zod only: no node:*, electron, react or other packages.',
      },
      noMain('shared/'),
      noRenderer('shared/'),
      {
        regex: '^(\\.\\./)+tests(/|$)',
        message: 'shared/ must not import tests/.',
      },
    ),
  },
  {
    name: 'lathe/layers/renderer',
    files: ['renderer/**/*.{ts,tsx}'],
    rules: restrict(
      noNode('renderer/'),
      noElectron('renderer/ talks to main through window.lathe (the preload), never electron.'),
      noMain('renderer/'),
    ),
  },
  {
    name: 'lathe/layers/main-services-root',
    files: ['main/services.ts'],
    rules: restrict(
      electronOnlyInMainElectron,
      noReact('main/'),
      noRenderer('main/'),
      noFaces(['electron', 'host', 'cli'], 'main/services.ts'),
    ),
  },
  {
    name: 'lathe/layers/main-domain',
    files: ['main/**/*.ts'],
    ignores: ['main/electron/**', 'main/host/**', 'main/cli/**', 'main/services.ts', REPORT_HTML],
    rules: restrict(
      electronOnlyInMainElectron,
      noReact('main/'),
      noRenderer('main/'),
      noFaces(['electron', 'host', 'cli'], 'Domain services'),
      noCompositionRoot,
    ),
  },
  {
    // The one main/ file that uses React: the offline HTML report renders the report body the Evaluation
    // view mounts (renderer/report/, pure React) to static markup, so the report is drawn once.
    name: 'lathe/layers/main-report-html',
    files: [REPORT_HTML],
    rules: restrict(
      electronOnlyInMainElectron,
      {
        regex: '^react-dom(?!/server$)',
        message: `${REPORT_HTML} renders to static markup: react-dom/server only.`,
      },
      {
        regex: '^(\\.\\./)+renderer(?!/report(/|$))',
        message: `${REPORT_HTML} may import renderer/report/ only, never the rest of renderer/.`,
      },
      noFaces(['electron', 'host', 'cli'], 'Domain services'),
      noCompositionRoot,
      laterDomains('evaluate', 1),
      apiOtherThanEventBus(1),
    ),
  },
  {
    // main/ renders these files too (main/tsconfig.json includes them without the DOM lib).
    name: 'lathe/layers/renderer-report',
    files: ['renderer/report/**/*.{ts,tsx}'],
    rules: {
      ...restrict({
        regex: '^(?!react$|\\./|\\.\\./\\.\\./shared/)',
        message:
          'renderer/report/ is pure (the HTML report renders it in main/): it imports only react, shared/ and its own folder.',
      }),
      'no-restricted-globals': [
        'error',
        ...DOM_GLOBALS.map((name) => ({
          name,
          message: 'renderer/report/ is pure: props in, markup out, no DOM or window.lathe.',
        })),
      ],
    },
  },
  {
    name: 'lathe/layers/tests',
    files: ['tests/**/*.{ts,tsx}'],
    rules: restrict(
      // Loading 'electron' outside Electron triggers a binary download; its types alone are harmless.
      noElectron(
        "Tests must not load 'electron' (import type is fine): mock it with vi.mock, or use playwright-core's _electron.",
        true,
      ),
    ),
  },
];

// --- Config ------------------------------------------------------------------------------------------------

export default defineConfig(
  {
    name: 'lathe/ignores',
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      '.scratch/**',
      // AssemblyScript (compiled to wasm by main/train/kernel/build.mjs), not TypeScript.
      'main/train/kernel/assembly/**',
      'main/data/assembly/**',
      'test-results/**',
      'coverage/**',
      '**/*.tsbuildinfo',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    name: 'lathe/typescript',
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'all',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // `async () => value` is how a sync service method satisfies a Promise-returning handler type.
      '@typescript-eslint/require-await': 'off',
      // `void promise` marks a deliberate fire-and-forget; event handlers may return promises (React, Electron).
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { attributes: false } },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  ...ANY_ALLOWED.map(({ files }) => ({
    name: 'lathe/any-allowed',
    files,
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  })),
  {
    name: 'lathe/node-globals',
    files: ['main/**/*.ts', 'tests/**/*.{ts,tsx}', '**/*.{mjs,cjs,js}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    name: 'lathe/renderer',
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.flat.recommended.rules,
      // A missing dependency is a stale-closure bug, so an error (--max-warnings 0 fails on warnings anyway).
      'react-hooks/exhaustive-deps': 'error',
      // We do not run the React Compiler; "this component will not be compiled" notes are not defects.
      'react-hooks/incompatible-library': 'off',
    },
  },
  // Plain JS config files and scripts: linted for correctness, without type information.
  {
    ...tseslint.configs.disableTypeChecked,
    name: 'lathe/plain-js',
    files: ['**/*.{mjs,cjs,js}'],
  },
  {
    name: 'lathe/commonjs',
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Numbers reach SQL text only through sqlNumber()/sqlInteger() (main/workspace/db.ts) or parameters.
    name: 'lathe/sql-number',
    files: ['main/**/*.ts'],
    plugins: { lathe },
    rules: { 'lathe/sql-number': 'error' },
  },
  {
    // Node's recursive mkdir never returns on a file system that refuses new entries with ENOENT (/proc):
    // a host froze on an export folder typed there. makeDirs makes each level once and names what failed.
    name: 'lathe/make-dirs',
    files: ['main/**/*.ts'],
    // main/electron/ makes only folders under the app's own data folder, and cannot import main/workspace/.
    ignores: ['main/workspace/make-dirs.ts', 'main/electron/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['callee.name', 'callee.property.name'].map((callee) => ({
          selector: `CallExpression[${callee}=/^mkdir(Sync)?$/] Property[key.name='recursive'][value.value=true]`,
          message:
            'Use makeDirs / makeUserDirs (main/workspace/make-dirs.ts): a recursive mkdir spins forever under /proc.',
        })),
      ],
    },
  },
  ...layers,
  ...faceLayers,
  ...domainLayers,
);
