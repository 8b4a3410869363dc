import type { TestProject } from 'vitest/node';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '@clinic/db';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

let embedded: EmbeddedDatabase | undefined;

/** Tests use MONGO_URI when given (CI starts FerretDB), else the same embedded database `npm run dev` uses. */
export async function setup(project: TestProject) {
  let uri = process.env.MONGO_URI;
  if (!uri) {
    embedded = await startEmbeddedDatabase({ log: (m) => console.log(`[test db] ${m}`) });
    uri = embedded.uri;
  }
  project.provide('mongoUri', uri);
}

export async function teardown() {
  await embedded?.stop();
}
