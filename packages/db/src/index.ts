export * from './documents.ts';
export * from './collections.ts';
export * from './client.ts';
export * from './unique.ts';
export * from './embedded.ts';
export * from './presence.ts';
export * from './seed.ts';
export { DEFAULT_CLINIC_POLICIES, userDoc } from './seed-data.ts';
export { ObjectId, type Filter } from 'mongodb';
