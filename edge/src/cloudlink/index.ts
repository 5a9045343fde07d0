export * from './outbox';
export * from './telemetry-store';
export * from './desired-store';
export * from './link';
