export * from './common.ts';
export * from './errors.ts';
export * from './auth.ts';
export * from './catalogue.ts';
export * from './appointments.ts';
export * from './emirates-id.ts';
export * from './insurance.ts';
export * from './payments.ts';
