export * from './settings';
export * from './embed';
