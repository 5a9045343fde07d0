export * from './csr';
export * from './appliance-key';
export * from './enrollment';
