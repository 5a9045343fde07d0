/**
 * One GPIO line, as the gate driver needs it. `onoffChip()` drives real sysfs lines through
 * `onoff` (loaded lazily); `MemoryGpioChip` is an injected chip for boxes and tests without GPIO,
 * whose inputs the test (or simulator) sets from outside.
 */
export type Level = 0 | 1;

export interface GpioLine {
  readonly pin: number;
  read(): Promise<Level>;
  write(value: Level): Promise<void>;
  /** Synchronous write, for the exit hook that forces the relay closed. */
  writeSync(value: Level): void;
  /** Edge notifications; returns false when the platform cannot deliver them (poll instead). */
  watch(listener: (value: Level) => void): boolean;
  close(): void;
}

export interface GpioChip {
  output(pin: number, opts?: { activeLow?: boolean }): Promise<GpioLine>;
  input(pin: number, opts?: { activeLow?: boolean }): Promise<GpioLine>;
}

export function onoffChip(): GpioChip {
  const open = async (pin: number, direction: 'out' | 'in', activeLow: boolean): Promise<GpioLine> => {
    const { Gpio } = await import('onoff');
    const gpio = direction === 'out' ? new Gpio(pin, 'out', 'none', { activeLow }) : new Gpio(pin, 'in', 'both', { activeLow });
    let watching = false;
    return {
      pin,
      read: () => gpio.read() as Promise<Level>,
      write: (v) => gpio.write(v),
      writeSync: (v) => gpio.writeSync(v),
      watch: (listener) => {
        try {
          // epoll on the value file; fails with EPERM where sysfs is not real (e.g. a tmpfs stand-in).
          gpio.watch((err, value) => {
            if (!err) listener(value as Level);
          });
          watching = true;
          return true;
        } catch {
          return false;
        }
      },
      close: () => {
        if (watching) gpio.unwatchAll();
        // Keep the line exported: unexporting an output lets it float, which is not fail-secure.
      },
    };
  };
  return {
    output: (pin, o) => open(pin, 'out', o?.activeLow ?? false),
    input: (pin, o) => open(pin, 'in', o?.activeLow ?? false),
  };
}

/** In-memory GPIO: outputs are readable with `level()`, inputs are driven with `set()`. */
export class MemoryGpioChip implements GpioChip {
  private readonly levels = new Map<number, Level>();
  private readonly watchers = new Map<number, Set<(v: Level) => void>>();

  constructor(private readonly edges = true) {}

  level(pin: number): Level {
    return this.levels.get(pin) ?? 0;
  }

  set(pin: number, value: Level): void {
    const changed = this.level(pin) !== value;
    this.levels.set(pin, value);
    if (changed) for (const w of this.watchers.get(pin) ?? []) w(value);
  }

  async output(pin: number): Promise<GpioLine> {
    return this.line(pin);
  }

  async input(pin: number): Promise<GpioLine> {
    return this.line(pin);
  }

  private line(pin: number): GpioLine {
    const mine = new Set<(v: Level) => void>();
    return {
      pin,
      read: async () => this.level(pin),
      write: async (v) => this.set(pin, v),
      writeSync: (v) => this.set(pin, v),
      watch: (listener) => {
        if (!this.edges) return false;
        const set = this.watchers.get(pin) ?? new Set();
        set.add(listener);
        mine.add(listener);
        this.watchers.set(pin, set);
        return true;
      },
      close: () => {
        for (const l of mine) this.watchers.get(pin)?.delete(l);
      },
    };
  }
}
