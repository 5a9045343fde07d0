export * from './agent';
export * from './commands';
