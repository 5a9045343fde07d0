import { createServer } from 'node:net';

/** True when nothing listens on host:port (we could bind it). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The preferred port if free, else 0 (the OS picks one); `onBusy` says which one was taken. */
export async function preferPort(port: number, onBusy: (port: number) => void, host = '127.0.0.1'): Promise<number> {
  if (await isPortFree(port, host)) return port;
  onBusy(port);
  return 0;
}
