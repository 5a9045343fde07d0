/** IPC between the appliance and its broker child process. */
export type ToBroker = { type: 'start'; host: string; port: number; usersFile: string } | { type: 'stop' };
export type FromBroker =
  | { type: 'ready'; port: number }
  | { type: 'failed'; message: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> }
  | { type: 'stopped' };
