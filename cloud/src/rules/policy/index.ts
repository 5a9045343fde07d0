export * from './types';
export * from './provinces';
export * from './evaluate';
