import { hashPassword } from '@clinic/api';
import { formatSeedReport, seedDatabase } from '@clinic/db';
import { loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startRuntime } from './runtime.ts';

const config = loadConfig();
const log = createLogger(config.logLevel);
const runtime = await startRuntime(config, log);
try {
  const report = await seedDatabase(runtime.database, { hashPassword, password: config.seedPassword, timeZone: config.clinicTimeZone });
  console.log(formatSeedReport(report, config.seedPassword));
} finally {
  await runtime.close();
}
