import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '@clinic/api';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let doc: any;
beforeAll(async () => {
  s = await startTestServer();
  const res = await fetch(`${s.baseUrl}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json();
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
  '/payments/{id}/receipt.pdf': 'get',
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] })),
  );

/** Every procedure exposed over REST, from the router itself (so new procedures are covered without listing them). */
function restProcedures() {
  return Object.entries(appRouter._def.procedures as Record<string, any>)
    .map(([name, procedure]) => ({ name, openapi: procedure._def.meta?.openapi }))
    .filter((p) => p.openapi && p.openapi.enabled !== false);
}

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document per a third-party validator and lists every REST path', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await SwaggerParser.validate(structuredClone(doc));
    for (const [path, method] of Object.entries(EXPECTED)) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    for (const { name, openapi } of restProcedures()) {
      expect(doc.paths[openapi.path]?.[openapi.method.toLowerCase()], `${name}: ${openapi.method} ${openapi.path}`).toBeDefined();
    }
  });

  it("passes Redocly's recommended ruleset with no errors", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: '/api/v1/openapi.json', config });
    const warnings = problems.filter((p) => p.severity === 'warn');
    if (warnings.length) console.warn(`Redocly warnings:\n${warnings.map((p) => `  ${p.ruleId}: ${p.message} (${p.location[0]?.pointer ?? ''})`).join('\n')}`);
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} (${p.location[0]?.pointer ?? ''})`);
    expect(errors).toEqual([]);
  });

  it('declares bearer auth for everything but the public procedures, which say so with an empty security', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/users/me'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/auth/login'].post.security).toEqual([]);
    expect(doc.paths['/physicians'].get.security).toEqual([]);
    for (const { name, openapi } of restProcedures()) {
      const op = doc.paths[openapi.path][openapi.method.toLowerCase()];
      expect(op.security, name).toEqual(openapi.protect === false ? [] : [{ bearerAuth: [] }]);
    }
    expect(doc.paths['/payments/{id}/receipt.pdf'].get.security).toEqual([{ bearerAuth: [] }]);
  });

  it('describes the real error body once and uses it for every error response of every operation', () => {
    const error = doc.components.schemas.Error;
    expect(error.required).toEqual(['message', 'code', 'data']);
    expect(error.properties.data.required).toEqual(['appCode', 'httpStatus', 'requestId']);
    expect(Object.keys(error.properties.data.properties)).toEqual(['appCode', 'httpStatus', 'fieldErrors', 'retryAfter', 'reason', 'requestId']);
    expect(error.properties.data.properties.appCode.enum).toContain('SLOT_TAKEN');
    expect(Object.keys(doc.components.schemas).filter((k) => k.startsWith('error.'))).toEqual([]);
    for (const { path, method, op } of operations()) {
      const statuses = Object.keys(op.responses);
      expect(statuses, `${method} ${path}`).toContain('500');
      if (op.security.length) expect(statuses, `${method} ${path}`).toContain('401');
      if (['post', 'put', 'patch'].includes(method)) expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['413', '415']));
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const ref: string = op.responses[status].$ref;
        expect(ref, `${method} ${path} ${status}`).toMatch(/^#\/components\/responses\//);
        const response = doc.components.responses[ref.split('/').pop()!];
        expect(response.content['application/json'].schema, `${method} ${path} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
    expect(doc.components.responses.TooManyRequests.headers['Retry-After']).toBeDefined();
  });

  it('has a license, a description for every tag, and documents the PDF receipt', () => {
    expect(doc.info.license.name).toBeTruthy();
    const used = new Set(operations().flatMap(({ op }) => op.tags ?? []));
    expect(doc.tags.map((t: any) => t.name).sort()).toEqual([...used].sort());
    for (const tag of doc.tags) expect(tag.description, tag.name).toBeTruthy();
    const pdf = doc.paths['/payments/{id}/receipt.pdf'].get;
    expect(Object.keys(pdf.responses['200'].content)).toEqual(['application/pdf']);
    expect(pdf.parameters).toEqual(doc.paths['/payments/{id}/receipt'].get.parameters);
    expect(Object.keys(pdf.responses)).toEqual(expect.arrayContaining(['400', '401', '404', '409']));
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
