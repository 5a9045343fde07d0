export * from './gpio';
export * from './gate';
