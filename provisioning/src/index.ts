export * from './processes';
export * from './api-client';
export * from './enroll';
