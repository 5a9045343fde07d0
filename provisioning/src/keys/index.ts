export * from './csr';
export * from './appliance-key';
