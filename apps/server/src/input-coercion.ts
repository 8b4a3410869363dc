/**
 * trpc-to-openapi switches coercion on (`def.coerce = true`) for every number, boolean, bigint and date of
 * a procedure's object input when it first serves that procedure over REST — bodies included, nested
 * objects included, and for every face at once since the schemas are shared. From then on `{"$gt": ""}`
 * was a valid boolean (true), `[]` and `null` valid numbers (0), and a JSON body's wrong types passed.
 * Fields that must turn text into numbers or dates say so with `z.coerce.*` (ARCHITECTURE.md, Validation);
 * this pins every schema reachable from a procedure's input to the coercion it was declared with.
 */

type Def = Record<string, unknown> & { type?: string };
type SchemaLike = { _zod?: { def?: Def } };

const COERCIBLE = new Set(['number', 'boolean', 'bigint', 'date']);

function pin(def: Def) {
  if (Object.getOwnPropertyDescriptor(def, 'coerce')?.get) return;
  const declared = def.coerce === true;
  // A setter that ignores writes rather than a read-only property: the adapter's assignment must not throw.
  Object.defineProperty(def, 'coerce', { get: () => declared, set: () => {}, enumerable: true, configurable: true });
}

function visit(schema: unknown, seen: Set<object>) {
  const def = (schema as SchemaLike | null)?._zod?.def;
  if (!def || seen.has(def)) return;
  seen.add(def);
  if (def.type && COERCIBLE.has(def.type)) pin(def);
  const children: unknown[] = [];
  if (def.shape && typeof def.shape === 'object') children.push(...Object.values(def.shape));
  for (const key of ['element', 'innerType', 'in', 'out', 'left', 'right', 'keyType', 'valueType', 'rest', 'catchall']) children.push(def[key]);
  for (const key of ['options', 'items']) if (Array.isArray(def[key])) children.push(...(def[key] as unknown[]));
  if (def.type === 'lazy' && typeof def.getter === 'function') children.push((def.getter as () => unknown)());
  for (const child of children) visit(child, seen);
}

/** Pins coercion on every input schema of the router's procedures; idempotent. Returns how many procedures it saw. */
export function pinInputCoercion(router: { _def: { procedures: Record<string, unknown> } }): number {
  const seen = new Set<object>();
  const procedures = Object.values(router._def.procedures);
  for (const procedure of procedures) {
    const inputs = (procedure as { _def?: { inputs?: unknown[] } })._def?.inputs ?? [];
    for (const input of inputs) visit(input, seen);
  }
  return procedures.length;
}
