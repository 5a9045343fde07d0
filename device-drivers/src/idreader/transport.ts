/**
 * A byte pipe to a device: a serial port in production, a pseudo-terminal in tests, or an
 * in-memory link. Drivers and byte-level simulators only see this interface.
 */
export interface ByteTransport {
  write(data: Buffer): Promise<void>;
  /** Registers the consumer of incoming bytes; returns an unsubscribe function. */
  onData(listener: (chunk: Buffer) => void): () => void;
  onClose(listener: (err?: Error) => void): () => void;
  isOpen(): boolean;
  close(): Promise<void>;
}

class Listeners<A extends unknown[]> {
  private readonly fns = new Set<(...a: A) => void>();
  add(fn: (...a: A) => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }
  call(...a: A): void {
    for (const fn of [...this.fns]) fn(...a);
  }
}

export interface SerialOptions {
  path: string;
  baudRate: number;
}

/** Opens a serial device with `serialport`, loaded only here so boxes without serial devices never load it. */
export async function openSerialTransport(opts: SerialOptions): Promise<ByteTransport> {
  const { SerialPort } = await import('serialport');
  const data = new Listeners<[Buffer]>();
  const closed = new Listeners<[Error | undefined]>();
  const port = new SerialPort({ path: opts.path, baudRate: opts.baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('data', (chunk: Buffer) => data.call(chunk));
  port.on('close', (err?: Error) => closed.call(err ?? undefined));
  return {
    write: (buf) =>
      new Promise<void>((resolve, reject) => {
        port.write(buf, (err) => (err ? reject(err) : port.drain((e) => (e ? reject(e) : resolve()))));
      }),
    onData: (fn) => data.add(fn),
    onClose: (fn) => closed.add(fn),
    isOpen: () => port.isOpen,
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}

/** Two connected in-memory ends; bytes are delivered asynchronously, as a UART would. */
export function createMemoryLink(): [ByteTransport, ByteTransport] {
  const mk = () => ({ data: new Listeners<[Buffer]>(), closed: new Listeners<[Error | undefined]>(), open: true });
  const a = mk();
  const b = mk();
  const end = (self: typeof a, peer: typeof a): ByteTransport => ({
    write: async (buf) => {
      if (!self.open) throw new Error('transport closed');
      const copy = Buffer.from(buf);
      setImmediate(() => peer.open && peer.data.call(copy));
    },
    onData: (fn) => self.data.add(fn),
    onClose: (fn) => self.closed.add(fn),
    isOpen: () => self.open,
    close: async () => {
      for (const e of [self, peer]) {
        if (e.open) {
          e.open = false;
          e.closed.call(undefined);
        }
      }
    },
  });
  return [end(a, b), end(b, a)];
}
