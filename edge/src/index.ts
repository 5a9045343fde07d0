export * from './app';
export * from './config';
export * from './broker';
export * from './checkin';
export * from './cloudlink';
export * from './devices/room-client';
export * from './telemetry';
export { main } from './main';
