import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const sdkRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(sdkRoot, '../..');

export interface SdkBundle {
  code: string;
  /** Every file that ended up in the bundle, relative to the repository root with `/` separators. */
  inputs: string[];
  metafile: object;
}

/**
 * Bundles the SDK the way a mobile app's bundler would see it: everything inlined, nothing
 * external, so anything server-side that leaks in through an import shows up in `inputs`.
 */
export async function bundleSdk(): Promise<SdkBundle> {
  const result = await build({
    entryPoints: [join(sdkRoot, 'src/index.ts')],
    absWorkingDir: repoRoot,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    // `neutral` reads no package.json entry fields by default; some dependencies only have these.
    mainFields: ['module', 'main'],
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output');
  const inputs = Object.keys(result.metafile.inputs).map((p) => relative(repoRoot, resolve(repoRoot, p)).split('\\').join('/'));
  return { code: output.text, inputs, metafile: result.metafile };
}

if (import.meta.main) {
  const bundle = await bundleSdk();
  const dist = join(sdkRoot, 'dist');
  await mkdir(dist, { recursive: true });
  await writeFile(join(dist, 'index.js'), bundle.code);
  await writeFile(join(dist, 'meta.json'), JSON.stringify(bundle.metafile, null, 2));
  const kib = (Buffer.byteLength(bundle.code) / 1024).toFixed(1);
  console.log(`dist/index.js: ${kib} KiB from ${bundle.inputs.length} files`);
}
