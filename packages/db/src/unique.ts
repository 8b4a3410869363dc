import type { Collection, Document, Filter, OptionalUnlessRequiredId } from 'mongodb';

/**
 * A unique index refused the write. MongoDB says so with code 11000; FerretDB 1.24 does too on inserts, but an
 * update that collides comes back as a generic error quoting the storage's own words (SQLite: "UNIQUE constraint
 * failed"; PostgreSQL: "duplicate key value violates unique constraint", SQLSTATE 23505).
 */
export function isDuplicateKeyError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return code === 11000 || (typeof message === 'string' && /UNIQUE constraint failed|SQLSTATE 23505/.test(message));
}

/** A unique index refused the write; `refusedBy` names which of the keys the caller told apart, when one is named. */
export interface Refused<K extends string> {
  won: false;
  refusedBy: K | null;
}

/** How a write decided by a unique index came out: it won (with the driver's result), or the index refused it. */
export type UniqueWrite<R, K extends string = never> = { won: true; result: R } | Refused<K>;

/** How an insert decided by a unique index came out. */
export type UniqueInsert<K extends string = never> = { won: true } | Refused<K>;

/**
 * The unique key that refused a write, among `keys`, as far as the error tells: MongoDB's `keyPattern` names it
 * exactly; otherwise the index named in the message (MongoDB quotes it; FerretDB on PostgreSQL quotes its own
 * lower-cased constraint name on updates, and nothing on inserts). The longest name is tried first, so a key
 * whose name contains another's is not mistaken for it. Null when none of them is named.
 */
export function refusingKey<K extends string>(err: unknown, keys: readonly K[]): K | null {
  const { keyPattern, message } = err as { keyPattern?: unknown; message?: unknown };
  const byLength = [...keys].sort((a, b) => b.length - a.length);
  if (keyPattern && typeof keyPattern === 'object') {
    const found = byLength.find((k) => k in keyPattern);
    if (found) return found;
  }
  const text = typeof message === 'string' ? message.toLowerCase() : '';
  return byLength.find((k) => text.includes(k.toLowerCase())) ?? null;
}

/**
 * Runs a write that a unique index decides (an insert, an upsert, an update that sets a unique key) and
 * reports whether it won. A duplicate key is the losing answer, not an error; anything else is thrown.
 * `keys`: the collection's unique keys the caller tells apart (see `refusingKey`).
 */
export async function writeUnique<R, K extends string = never>(write: () => Promise<R>, keys: readonly K[] = []): Promise<UniqueWrite<R, K>> {
  try {
    return { won: true, result: await write() };
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    return { won: false, refusedBy: refusingKey(err, keys) };
  }
}

/**
 * Inserts `doc` unless a unique index holds its key already: the insert is the claim, and of two concurrent
 * ones exactly one wins (on MongoDB and on FerretDB alike — unique indexes are what both make atomic).
 * `keys`: the collection's unique keys the caller tells apart. When the error does not name the one that
 * refused (FerretDB), the first of them whose value in `doc` another document holds is reported.
 */
export async function insertUnique<T extends Document, K extends string & keyof T = never>(
  col: Collection<T>,
  doc: NoInfer<OptionalUnlessRequiredId<T>>,
  keys: readonly K[] = [],
): Promise<UniqueInsert<K>> {
  const res = await writeUnique(() => col.insertOne(doc), keys);
  if (res.won) return { won: true };
  if (res.refusedBy !== null) return res;
  for (const key of keys) {
    const filter = { [key]: (doc as Record<string, unknown>)[key] } as Filter<T>;
    if (await col.findOne(filter, { projection: { _id: 1 } })) return { won: false, refusedBy: key };
  }
  return { won: false, refusedBy: null };
}

/** A unique index refused that document of a bulk insert (see `bulkInsertFailures`). */
export const DUPLICATE_KEY: unique symbol = Symbol('duplicate key');

/**
 * The documents of an unordered `insertMany` that failed, by position, as its bulk error names them
 * (`writeErrors[].index`): `DUPLICATE_KEY` where a unique index refused one, else that document's error. Null when
 * the error names no positions (FerretDB at times): then the caller finds out which are stored.
 */
export function bulkInsertFailures(err: unknown): Map<number, typeof DUPLICATE_KEY | unknown> | null {
  const raw = (err as { writeErrors?: unknown }).writeErrors;
  const writeErrors = (Array.isArray(raw) ? raw : raw ? [raw] : []) as { index?: unknown; code?: unknown; errmsg?: unknown; message?: unknown }[];
  if (writeErrors.length === 0 || !writeErrors.every((w) => typeof w.index === 'number')) return null;
  return new Map(writeErrors.map((w) => [w.index as number, isDuplicateKeyError({ code: w.code, message: w.errmsg ?? w.message }) ? DUPLICATE_KEY : err]));
}

/**
 * Inserts `docs` (each with a fresh `_id`) in one unordered `insertMany`, a unique index deciding each as
 * `insertUnique` does: which of them won, by position. MongoDB names each refused one in the bulk error
 * (`writeErrors[].index`); where the error does not, each document is looked up by `_id` (an equality FerretDB
 * pushes down) and an absent one inserted on its own. A failure other than a duplicate key is thrown.
 */
export async function insertManyUnique<T extends Document & { _id: unknown }>(col: Collection<T>, docs: NoInfer<OptionalUnlessRequiredId<T>>[]): Promise<boolean[]> {
  if (docs.length === 0) return [];
  try {
    await col.insertMany(docs, { ordered: false });
    return docs.map(() => true);
  } catch (err) {
    const failures = bulkInsertFailures(err);
    if (failures) {
      if ([...failures.values()].some((f) => f !== DUPLICATE_KEY)) throw err;
      return docs.map((_, i) => !failures.has(i));
    }
    if (!isDuplicateKeyError(err)) throw err;
    // Which ones are stored is not said: each absent one is inserted on its own, which decides it for certain.
    const won: boolean[] = [];
    for (const doc of docs) {
      const stored = (await col.findOne({ _id: (doc as { _id: unknown })._id } as Filter<T>, { projection: { _id: 1 } })) !== null;
      won.push(stored || (await insertUnique(col, doc)).won);
    }
    return won;
  }
}
