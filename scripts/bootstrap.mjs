// Makes `npm run dev` and `npm test` work on a fresh clone, even where the machine's Node is older
// than 22: it provides Node 24 (from the npm registry) and the dependencies, then runs the turbo task.
// Plain JavaScript on purpose: it must run on the old Node too.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

const [task, ...rest] = process.argv.slice(2);
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

function run(cmd, args) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (res.status !== 0) process.exit(res.status ?? 1);
}

if (Number(process.versions.node.split('.')[0]) < 22) {
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

const turboArgs = task === 'test' ? ['run', 'test', '--concurrency=1', '--output-logs=full'] : ['run', task, '--filter=@clinic/server'];
run(join('node_modules', '.bin', 'turbo'), [...turboArgs, ...rest]);
