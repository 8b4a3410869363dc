// The shared set-up of the workspaces whose tests need the real services (database, stripe-mock).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    stripeApiUrl: string;
  }
}

export const integrationTestConfig = defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: [fileURLToPath(new URL('./global-setup.ts', import.meta.url))],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
