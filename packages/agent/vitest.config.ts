import { integrationTestConfig } from '../../tooling/testing/vitest.ts';

export default integrationTestConfig;
