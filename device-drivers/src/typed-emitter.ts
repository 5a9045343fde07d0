/**
 * A small typed event emitter. A throwing listener is isolated (reported to `onListenerError`)
 * so one faulty consumer never breaks a driver; listeners can be removed by owner.
 */
export type EventMap = Record<string, unknown[]>;
type Listener<A extends unknown[]> = (...args: A) => void;

export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Array<{ fn: Listener<never[]>; owner?: object }>>();

  constructor(private readonly onListenerError: (err: unknown, event: string) => void = () => {}) {}

  on<K extends keyof E>(event: K, fn: Listener<E[K]>, owner?: object): () => void {
    const list = this.listeners.get(event) ?? [];
    const entry = { fn: fn as unknown as Listener<never[]>, owner };
    list.push(entry);
    this.listeners.set(event, list);
    return () => {
      const current = this.listeners.get(event);
      if (current) this.listeners.set(event, current.filter((e) => e !== entry));
    };
  }

  removeAllByOwner(owner: object): void {
    for (const [event, list] of this.listeners) this.listeners.set(event, list.filter((e) => e.owner !== owner));
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    for (const { fn } of [...(this.listeners.get(event) ?? [])]) {
      try {
        (fn as unknown as Listener<E[K]>)(...args);
      } catch (err) {
        this.onListenerError(err, String(event));
      }
    }
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}
