export * from './typed-emitter';
export * from './ports';
export * from './sim';
export * from './agent';
export * from './factory';
