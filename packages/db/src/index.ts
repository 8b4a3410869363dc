export * from './documents.ts';
export * from './collections.ts';
export * from './client.ts';
export * from './embedded.ts';
export * from './seed.ts';
export { ObjectId } from 'mongodb';
