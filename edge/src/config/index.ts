export * from './load';
export * from './secrets';
