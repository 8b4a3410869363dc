import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** stripe-mock from STRIPE_MOCK_BIN, PATH, ~/.local/bin or ~/go/bin — or installed now from the Go module proxy. */
function findStripeMock(): string {
  const candidates = [
    process.env.STRIPE_MOCK_BIN,
    ...(process.env.PATH ?? '').split(delimiter).map((d) => d && join(d, 'stripe-mock')),
    join(homedir(), '.local/bin/stripe-mock'),
    join(homedir(), 'go/bin/stripe-mock'),
  ];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (found) return found;
  const res = spawnSync('bash', [join(repoRoot, 'scripts/install-stripe-mock.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const installed = res.stdout?.trim();
  if (res.status !== 0 || !installed || !existsSync(installed)) throw new Error('stripe-mock is not installed and could not be installed (needs Go); see scripts/install-stripe-mock.sh');
  return installed;
}

const freePort = () =>
  new Promise<number>((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });

const accepts = (port: number) =>
  new Promise<boolean>((res) => {
    const sock = createConnection({ port, host: '127.0.0.1' }, () => {
      sock.destroy();
      res(true);
    });
    sock.on('error', () => res(false));
  });

/** Stripe's own API mock on a loopback port, for the real Stripe SDK to talk to. */
export async function startStripeMock(): Promise<{ url: string; stop(): Promise<void> }> {
  const [port, httpsPort] = [await freePort(), await freePort()];
  // Both addresses given: otherwise it also takes its default HTTPS port (12112) on every interface.
  const child: ChildProcess = spawn(findStripeMock(), ['-http-addr', `127.0.0.1:${port}`, '-https-addr', `127.0.0.1:${httpsPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; i < 100 && !(await accepts(port)); i++) {
    if (child.exitCode !== null) throw new Error(`stripe-mock exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!(await accepts(port))) throw new Error(`stripe-mock did not start: ${stderr}`);
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}
