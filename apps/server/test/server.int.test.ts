import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { registerVerified, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ corsOrigins: ['https://app.clinic.test'] });
});
afterAll(() => s.close());

describe('HTTP basics', () => {
  it('health and readiness', async () => {
    expect(await (await fetch(`${s.baseUrl}/healthz`)).json() as any).toEqual({ status: 'ok' });
    const ready = await fetch(`${s.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json() as any).toEqual({ status: 'ready' });
  });

  it('sets security headers and a request id (echoing a sane incoming one)', async () => {
    const res = await fetch(`${s.baseUrl}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age/);
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    const other = await fetch(`${s.baseUrl}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('CORS answers only origins on the allow-list', async () => {
    const preflight = (origin: string) =>
      fetch(`${s.baseUrl}/api/v1/auth/login`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    expect((await preflight('https://app.clinic.test')).headers.get('access-control-allow-origin')).toBe('https://app.clinic.test');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('errors carry the request id so support can find the log line', async () => {
    const res = await fetch(`${s.baseUrl}/api/v1/users/me`, { headers: { 'x-request-id': 'trace-me-1' } });
    expect(res.status).toBe(401);
    expect((await res.json() as any).data.requestId).toBe('trace-me-1');
  });
});

describe('logs', () => {
  it('redact passwords, codes and tokens', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => void (lines.push(chunk.toString()), cb()) });
    const log = createLogger('info', sink as never);
    log.info({ body: { password: 'hunter2-secret', code: '123456', refreshToken: 'rt-secret' }, req: { headers: { authorization: 'Bearer abc.def' } } }, 'x');
    const out = lines.join('');
    for (const secret of ['hunter2-secret', '123456', 'rt-secret', 'abc.def']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });

  it('a whole login writes no password or token to the server log', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => void (lines.push(chunk.toString()), cb()) });
    const t = await startTestServer({ logger: createLogger('trace', sink as never) });
    try {
      const p = await registerVerified(t, 'a-very-secret-password');
      await t.rest('GET', '/users/me', undefined, p.accessToken);
      const out = lines.join('');
      expect(out.length).toBeGreaterThan(0);
      expect(out).not.toContain('a-very-secret-password');
      expect(out).not.toContain(p.accessToken);
      expect(out).not.toContain(p.refreshToken);
    } finally {
      await t.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

describe('process', () => {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

  it('shuts down gracefully on SIGTERM: the in-flight request completes, then the process exits 0', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [main], {
      env: { ...process.env, NODE_ENV: 'development', PORT: String(port), MONGO_URI: `${inject("mongoUri")}graceful${port}`, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 150 && !out.includes('Server listening'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('Server listening');

    // A slow request (argon2 hashing) is in flight when the signal arrives.
    const inflight = fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.test', password: 'some-password' }),
    });
    await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    const res = await inflight;
    expect(res.status).toBe(401);
    const [code] = await once(child, 'exit');
    expect(out).toContain('stopped');
    expect(code).toBe(0);
  });

  it('refuses to start in production without its secrets, naming them', async () => {
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', MONGO_URI: `${inject('mongoUri')}never` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(err).toMatch(/SECRET_KEY/);
    expect(err).toMatch(/SMTP_URL/);
  });
});
