export * from './collector';
