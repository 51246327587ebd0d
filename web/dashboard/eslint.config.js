// ESLint flat config (`npm run lint`). Besides the usual recommended sets, one
// rule of our own: imports run one way, shared code -> features -> app.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const SHARED = ['./src/api', './src/lib', './src/test', './src/ui'];
const FEATURES = readdirSync(new URL('./src/features', import.meta.url));

const oneWay = [
  {
    target: SHARED,
    from: ['./src/features', './src/app'],
    message: 'Shared code may not import a feature or the app.',
  },
  {
    target: './src/features',
    from: './src/app',
    message: 'A feature may not import the app: the app passes down what a page needs.',
  },
  ...FEATURES.map((feature) => ({
    target: `./src/features/${feature}`,
    from: './src/features',
    except: [`./${feature}`],
    message: 'A feature may not import another feature: move what both need to src/ui, src/lib or src/api, or compose them in src/app.',
  })),
];

export default defineConfig(
  globalIgnores(['dist', 'src/api/schema.d.ts']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: globals.browser },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js'] })] },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: oneWay }],
      // React Compiler rules for patterns this code uses on purpose (there is no
      // compiler here): a ref holding the latest callback or value, assigned in
      // render; a dialog resetting its fields in an effect when it opens; a
      // countdown reading the clock in render.
      'react-hooks/refs': 'off',
      'react-hooks/set-state-in-effect': 'off',
      'react-hooks/purity': 'off',
    },
  },
  {
    // The one exception: page tests render the whole app, and this mounts it.
    files: ['src/test/renderApp.tsx'],
    rules: { 'import-x/no-restricted-paths': 'off' },
  },
  {
    files: ['*.{js,ts}', 'scripts/**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
