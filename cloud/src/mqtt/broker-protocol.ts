/** IPC between the cloud process and its embedded broker child process. */
export type ParentToBroker =
  | { type: 'init'; host: string; port: number; service: { username: string; password: string }; appliances: { id: string; secretHash: string }[] }
  | { type: 'credential'; id: string; secretHash: string | null };

export type BrokerToParent =
  | { type: 'ready'; port: number }
  | { type: 'client'; clientId: string; connected: boolean }
  | { type: 'log'; level: 'log' | 'warn' | 'error'; message: string };
