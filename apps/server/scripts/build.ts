// Bundles the server and the workspace packages into dist/main.js; npm dependencies stay external.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packagesDir = fileURLToPath(new URL('../../../packages/', import.meta.url));

await build({
  entryPoints: ['src/main.ts', 'src/seed-cli.ts'],
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: true,
  packages: 'external',
  // Workspace packages are source, so they are bundled rather than left as imports.
  plugins: [
    {
      name: 'bundle-workspace',
      setup(b) {
        b.onResolve({ filter: /^@clinic\/[a-z-]+$/ }, (args) => ({
          path: `${packagesDir}${args.path.slice('@clinic/'.length)}/src/index.ts`,
        }));
      },
    },
  ],
  logLevel: 'info',
});
