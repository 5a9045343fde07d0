export * from './app';
export * from './logger';
export * from './appliance-requests';
export * from './face-loader';
