import type { TestProject } from 'vitest/node';
import './vitest.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '@clinic/db';
import { startStripeMock } from './stripe-mock.ts';

let embedded: EmbeddedDatabase | undefined;
let stripeMock: Awaited<ReturnType<typeof startStripeMock>> | undefined;

/**
 * Tests use MONGO_URI when given (CI starts FerretDB), else the same embedded database `npm run dev`
 * uses; and STRIPE_API_BASE_URL when given, else a stripe-mock started here.
 */
export async function setup(project: TestProject) {
  let uri = process.env.MONGO_URI;
  if (!uri) {
    embedded = await startEmbeddedDatabase({ postgresUrl: process.env.EMBEDDED_POSTGRES_URL, log: (m) => console.log(`[test db] ${m}`) });
    console.log(`[test db] ${embedded.engine}`);
    uri = embedded.uri;
  }
  project.provide('mongoUri', uri);
  let stripeUrl = process.env.STRIPE_API_BASE_URL;
  if (!stripeUrl) {
    stripeMock = await startStripeMock();
    stripeUrl = stripeMock.url;
  }
  project.provide('stripeApiUrl', stripeUrl);
}

export async function teardown() {
  await stripeMock?.stop();
  await embedded?.stop();
}
