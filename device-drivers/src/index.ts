export * from './typed-emitter';
export * from './ports';
