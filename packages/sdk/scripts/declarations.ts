import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const sdkRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(sdkRoot, '../..');

/** A package outside the repository that the SDK's declarations need, and the declarations that lead to it. */
export interface ExternalReference {
  module: string;
  /** From the SDK's entry to the import that names the package, as `path#name` steps (paths relative to the repository). */
  chain: string[];
}

export interface SdkDeclarations {
  /** Where the `.d.ts` files were written (a fresh temporary directory; `dispose` removes it). */
  outDir: string;
  /** Declaration-emit errors (types that cannot be named in a `.d.ts`), as text. */
  diagnostics: string[];
  /** Every declaration reached from the SDK's entry, as `path#name` (paths relative to the repository). */
  reached: Set<string>;
  /** Packages outside the repository that the reached declarations import, each with the first chain found. */
  externals: ExternalReference[];
  dispose(): Promise<void>;
}

/** `import type { A as B } from 'x'` → B: { spec: 'x', name: 'A' }; namespace and default imports use '*' and 'default'. */
interface Binding {
  spec: string;
  name: string;
}

interface DeclarationFile {
  /** The source file the declarations were emitted from (imports are resolved from there). */
  source: string;
  locals: Map<string, ts.Node[]>;
  imports: Map<string, Binding>;
  /** Exported name → the module and name it is re-exported from, or (no spec) the local it names. */
  exports: Map<string, { spec?: string; name: string }>;
  stars: string[];
}

/** The source entry (`exports["."]`) of every package in packages/. */
async function workspaceEntries(): Promise<string[]> {
  const dirs = await readdir(join(repoRoot, 'packages'), { withFileTypes: true });
  const entries: string[] = [];
  for (const dir of dirs.filter((d) => d.isDirectory())) {
    const manifest = join(repoRoot, 'packages', dir.name, 'package.json');
    const pkg = JSON.parse(await readFile(manifest, 'utf8').catch(() => '{}')) as { exports?: Record<string, unknown> };
    const main = pkg.exports?.['.'];
    if (typeof main === 'string' && main.endsWith('.ts')) entries.push(join(dirname(manifest), main));
  }
  return entries;
}

const rel = (p: string) => relative(repoRoot, p).split('\\').join('/');

function packageNameOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function parseDeclarations(source: string, text: string): DeclarationFile {
  const sf = ts.createSourceFile(source.replace(/\.ts$/, '.d.ts'), text, ts.ScriptTarget.Latest, true);
  const file: DeclarationFile = { source, locals: new Map(), imports: new Map(), exports: new Map(), stars: [] };
  const declare = (name: string, node: ts.Node, exported: boolean) => {
    file.locals.set(name, [...(file.locals.get(name) ?? []), node]);
    if (exported) file.exports.set(name, { name });
  };
  for (const st of sf.statements) {
    const exported = ts.canHaveModifiers(st) && !!ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const spec = st.moduleSpecifier.text;
      const clause = st.importClause;
      if (clause?.name) file.imports.set(clause.name.text, { spec, name: 'default' });
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) file.imports.set(bindings.name.text, { spec, name: '*' });
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) file.imports.set(el.name.text, { spec, name: (el.propertyName ?? el.name).text });
      }
    } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference) && ts.isStringLiteral(st.moduleReference.expression)) {
      file.imports.set(st.name.text, { spec: st.moduleReference.expression.text, name: '*' });
    } else if (ts.isExportDeclaration(st)) {
      const spec = st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : undefined;
      const clause = st.exportClause;
      if (!clause) {
        if (spec) file.stars.push(spec);
      } else if (ts.isNamespaceExport(clause)) {
        if (spec) file.exports.set(clause.name.text, { spec, name: '*' });
      } else {
        for (const el of clause.elements) file.exports.set(el.name.text, { ...(spec ? { spec } : {}), name: (el.propertyName ?? el.name).text });
      }
    } else if (ts.isExportAssignment(st)) {
      if (ts.isIdentifier(st.expression)) file.exports.set('default', { name: st.expression.text });
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) declare(d.name.text, d, exported);
    } else if (
      (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isClassDeclaration(st) || ts.isFunctionDeclaration(st) || ts.isEnumDeclaration(st) || ts.isModuleDeclaration(st)) &&
      st.name &&
      ts.isIdentifier(st.name)
    ) {
      declare(st.name.text, st, exported);
    }
  }
  return file;
}

/**
 * Emits the declarations of the SDK's entry (`src/index.ts`) and of everything it imports from the repository
 * (`@clinic/api`, `@clinic/contracts`, …) into a temporary directory with the TypeScript compiler, then follows
 * the declarations the SDK's types need — through imports and re-exports, name by name, as a declaration bundler
 * would keep them — and lists the outside packages they import. A package there is one the mobile app's compiler
 * has to find to check its calls.
 */
export async function emitSdkDeclarations(): Promise<SdkDeclarations> {
  const config = ts.getParsedCommandLineOfConfigFile(join(sdkRoot, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!config) throw new Error('cannot read packages/sdk/tsconfig.json');
  const outDir = await mkdtemp(join(tmpdir(), 'sdk-dts-'));
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    sourceMap: false,
    incremental: false,
    composite: false,
    outDir,
    rootDir: repoRoot,
  };
  const entry = join(sdkRoot, 'src/index.ts');
  // The workspace packages are reached through node_modules links, and the compiler emits nothing for files it
  // first meets there; as roots of the program their sources are the program's own.
  const program = ts.createProgram({ rootNames: [entry, ...(await workspaceEntries())], options });

  const emitted = new Map<string, string>();
  const writes: Promise<void>[] = [];
  const result = program.emit(
    undefined,
    (fileName, text) => {
      emitted.set(resolve(fileName), text);
      writes.push(mkdir(dirname(fileName), { recursive: true }).then(() => writeFile(fileName, text)));
    },
    undefined,
    true,
  );
  await Promise.all(writes);
  const diagnostics = result.diagnostics.map((d) => {
    const where = d.file ? `${rel(d.file.fileName)}: ` : '';
    return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });

  const dtsOf = (source: string) => join(outDir, relative(repoRoot, source)).replace(/\.ts$/, '.d.ts');
  const parsed = new Map<string, DeclarationFile | null>();
  const fileOf = (source: string): DeclarationFile | null => {
    if (!parsed.has(source)) {
      const text = emitted.get(dtsOf(source));
      parsed.set(source, text === undefined ? null : parseDeclarations(source, text));
    }
    return parsed.get(source)!;
  };

  /** A specifier as seen from `source`: another file of the repository, or an outside package. */
  const target = (spec: string, source: string): { source: string } | { external: string } => {
    const res = ts.resolveModuleName(spec, source, options, ts.sys).resolvedModule;
    const file = res ? resolve(res.resolvedFileName) : null;
    if (file && !file.endsWith('.d.ts') && !rel(file).startsWith('..') && !file.includes('/node_modules/') && fileOf(file)) return { source: file };
    return { external: res?.packageId?.name ?? packageNameOf(spec) };
  };

  const reached = new Set<string>();
  const externals = new Map<string, ExternalReference>();
  const external = (module: string, chain: string[]) => {
    if (!externals.has(module)) externals.set(module, { module, chain });
  };

  /** Does `source` export `name` (itself or through `export *`)? */
  const exportsName = (source: string, name: string, seen = new Set<string>()): boolean => {
    const file = fileOf(source);
    if (!file || seen.has(source)) return false;
    seen.add(source);
    if (file.exports.has(name)) return true;
    return file.stars.some((spec) => {
      const t = target(spec, source);
      return 'source' in t && exportsName(t.source, name, seen);
    });
  };

  const needModule = (spec: string, from: string, name: string, chain: string[]) => {
    const t = target(spec, from);
    if ('external' in t) return external(t.external, [...chain, `${t.external}#${name}`]);
    if (name === '*') return needAll(t.source, chain);
    needExport(t.source, name, chain);
  };

  const whole = new Set<string>();
  function needAll(source: string, chain: string[]) {
    const file = fileOf(source);
    if (!file || whole.has(source)) return;
    whole.add(source);
    for (const name of file.exports.keys()) needExport(source, name, chain);
    for (const spec of file.stars) needModule(spec, source, '*', chain);
  }

  function needExport(source: string, name: string, chain: string[]) {
    const file = fileOf(source);
    if (!file) return;
    const e = file.exports.get(name);
    if (e) {
      if (e.spec) return needModule(e.spec, source, e.name, [...chain, `${rel(source)}#${name}`]);
      return needLocal(source, e.name, chain);
    }
    for (const spec of file.stars) {
      const t = target(spec, source);
      if ('source' in t && exportsName(t.source, name)) return needExport(t.source, name, chain);
    }
  }

  function needLocal(source: string, name: string, chain: string[]) {
    const file = fileOf(source)!;
    const key = `${rel(source)}#${name}`;
    const imported = file.imports.get(name);
    if (imported) return needModule(imported.spec, source, imported.name, [...chain, key]);
    const decls = file.locals.get(name);
    if (!decls || reached.has(key)) return;
    reached.add(key);
    const here = [...chain, key];
    const visit = (node: ts.Node) => {
      if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
        let first = node.qualifier;
        while (first && ts.isQualifiedName(first)) first = first.left;
        needModule(node.argument.literal.text, source, first ? first.text : '*', here);
      } else if (ts.isIdentifier(node) && node.text !== name && (file.locals.has(node.text) || file.imports.has(node.text))) {
        needLocal(source, node.text, here);
      }
      ts.forEachChild(node, visit);
    };
    for (const d of decls) visit(d);
  }

  needAll(resolve(entry), []);

  return {
    outDir,
    diagnostics,
    reached,
    externals: [...externals.values()],
    dispose: () => rm(outDir, { recursive: true, force: true }),
  };
}

if (import.meta.main) {
  const d = await emitSdkDeclarations();
  for (const diag of d.diagnostics) console.log(`error: ${diag}`);
  for (const e of d.externals.sort((a, b) => a.module.localeCompare(b.module))) console.log(`${e.module}\n  via ${e.chain.join('\n   -> ')}`);
  console.log(`${d.reached.size} declarations reached; written to ${d.outDir}`);
}
