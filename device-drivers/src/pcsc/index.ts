export * from './types';
export * from './pcsc';
export * from './sim';
