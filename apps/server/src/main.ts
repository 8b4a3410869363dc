import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { startJobRunner } from './jobs.ts';
import { createLogger } from './logger.ts';
import { startRuntime } from './runtime.ts';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const log = createLogger(config.logLevel);
if (config.defaultsInUse.length) {
  log.warn(`development defaults in use for: ${config.defaultsInUse.join(', ')} (never use these in production)`);
}

const runtime = await startRuntime(config, log);
const publicBaseUrl = config.publicBaseUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
const { app, services } = await buildApp({
  deps: runtime.deps,
  database: runtime.database,
  logger: log,
  corsOrigins: config.corsOrigins,
  bodyLimit: config.bodyLimit,
  jsonMaxDepth: config.jsonMaxDepth,
  publicBaseUrl,
  whatsapp: runtime.whatsapp,
  stripePublishableKey: config.stripe.publishableKey,
  realtimeLimits: config.realtimeLimits,
});

const purge = setInterval(() => void services.rateLimiter.purgeExpired().catch((err) => log.warn({ err }, 'rate-limit purge failed')), 10 * 60_000);
purge.unref();

await app.listen({ port: config.port, host: config.host });
const jobs = config.jobs.enabled ? startJobRunner(services, { intervalMs: config.jobs.intervalMs, log }) : null;
log.info(`API docs: ${publicBaseUrl}/docs · OpenAPI: ${publicBaseUrl}/api/v1/openapi.json · tRPC: ${publicBaseUrl}/trpc`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
  const force = setTimeout(() => {
    log.error('shutdown took longer than 15 s; exiting');
    process.exit(1);
  }, 15_000);
  force.unref();
  try {
    clearInterval(purge);
    await jobs?.stop();
    await app.close();
    await runtime.close();
    log.info('stopped');
    process.exit(0);
  } catch (err) {
    log.error({ err }, 'error during shutdown');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
