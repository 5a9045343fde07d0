export * from './processes';
export * from './api-client';
export * from './enroll';
export * from './ports';
export * from './demo';
export * from './flash';
export * from './keys';
