export * from './machine';
export * from './service';
