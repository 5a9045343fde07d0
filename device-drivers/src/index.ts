export * from './typed-emitter';
export * from './ports';
export * from './sim';
export * from './agent';
export * from './factory';
// Real drivers by kind, as namespaces (their names overlap); each imports its native module
// only when a device is opened, so a box without that hardware never loads it.
export * as idreader from './idreader';
export * as gate from './gate';
export * as pcsc from './pcsc';
export * as usb from './usb';
export * as locker from './locker';
export * as tablet from './tablet';
export * as camera from './camera';
export { createRealDevice } from './real';
