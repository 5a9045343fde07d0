export * from './image';
export * from './idreader';
export * from './gate';
export * from './camera';
export * from './tablet';
export * from './locker';
