export * from './mqtt-tablet';
export * from './client-simulator';
