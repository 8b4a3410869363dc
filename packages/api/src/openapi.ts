import { generateOpenApiDocument } from 'trpc-to-openapi';
import { appRouter } from './router.ts';

export function buildOpenApiDocument(baseUrl: string) {
  return generateOpenApiDocument(appRouter, {
    title: 'Clinic Platform API',
    description:
      'REST face of the clinic platform. Every operation is the same tRPC procedure the app SDK and the WhatsApp assistant use. ' +
      'Errors share one shape: `{ message, code, data: { appCode, httpStatus, fieldErrors?, retryAfter?, requestId } }`.',
    version: '1.0.0',
    baseUrl,
    tags: ['auth', 'users', 'clinic', 'catalogue', 'appointments', 'payments', 'insurance', 'admin'],
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  });
}
