export * from './protocol';
export * from './locker';
export * from './simulator';
