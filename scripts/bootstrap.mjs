// Makes `npm run dev` and `npm test` work on a fresh clone, even where the machine's Node is older
// than 22.18: it provides Node 24 (from the npm registry) and the dependencies, then starts the server
// (dev) or runs the turbo task (test). Plain JavaScript on purpose: it must run on the old Node too.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

const [task, ...rest] = process.argv.slice(2);
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

function run(cmd, args) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (res.status !== 0) process.exit(res.status ?? 1);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  const prefix = join(homedir(), '.local', 'node24');
  const bin = join(prefix, 'node_modules', '.bin');
  if (!existsSync(join(bin, 'node'))) {
    console.log(`Node ${process.versions.node} is too old; installing Node 24 into ${prefix} …`);
    run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', 'node@24']);
  }
  env.PATH = `${bin}${delimiter}${env.PATH}`;
}

const installed = 'node_modules/.package-lock.json';
if (!existsSync(installed) || statSync('package-lock.json').mtimeMs > statSync(installed).mtimeMs) {
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

if (task === 'dev') {
  // The server straight from here, not through turbo → npm → node --watch: three long-lived processes in all
  // (this one, the server, the database). `npm run dev -- --watch` restarts it on source changes.
  const watch = rest.includes('--watch') ? ['--watch-path=src', '--watch-path=../../packages'] : [];
  const envFile = existsSync('.env') ? ['--env-file=../../.env'] : [];
  const server = spawn('node', [...envFile, ...watch, 'src/main.ts'], { cwd: join('apps', 'server'), stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
  server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  run(join('node_modules', '.bin', 'turbo'), ['run', task, '--concurrency=1', '--output-logs=full', ...rest]);
}
