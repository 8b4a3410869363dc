import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const EXPECTED = {
  '/auth/register': 'post',
  '/auth/verify': 'post',
  '/auth/resend-code': 'post',
  '/auth/login': 'post',
  '/auth/refresh': 'post',
  '/auth/logout': 'post',
  '/auth/forgot-password': 'post',
  '/auth/reset': 'post',
  '/auth/change-password': 'post',
  '/users/me': 'get',
  '/admin/users': 'post',
};

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document per a third-party validator and lists every REST path', async () => {
    const res = await fetch(`${s.baseUrl}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await res.json() as any;
    expect(doc.openapi).toBe('3.1.0');
    await SwaggerParser.validate(structuredClone(doc));
    for (const [path, method] of Object.entries(EXPECTED)) {
      expect(doc.paths[path], path).toBeDefined();
      expect(doc.paths[path][method], `${method} ${path}`).toBeDefined();
    }
  });

  it('declares bearer auth and applies it to protected operations only', async () => {
    const doc = await (await fetch(`${s.baseUrl}/api/v1/openapi.json`)).json() as any;
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/users/me'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/auth/login'].post.security).toBeUndefined();
  });

  it('serves an interactive reference page at /docs', async () => {
    const res = await fetch(`${s.baseUrl}/docs/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/swagger-ui/i);
    const spec = await fetch(`${s.baseUrl}/docs/json`);
    expect((await spec.json() as any).paths['/auth/login']).toBeDefined();
  });
});
