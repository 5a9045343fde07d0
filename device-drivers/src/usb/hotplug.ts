import type { DeviceHealth } from '../ports';
import { TypedEmitter } from '../typed-emitter';
import { catalogueKey, indexCatalogue, USB_CATALOGUE, UsbCatalogueEntry, type UsbRole } from './catalogue';

/** What the bus reports for one device. */
export interface UsbDescriptor {
  vendorId: number;
  productId: number;
  /** Bus path as the OS names it, e.g. "1-1" or "2-3.4". */
  bus: string;
  address: number;
}

/** The bus: `usb` (libusb) in production, an injected list in tests and on boxes without USB. */
export interface UsbBackend {
  list(): Promise<UsbDescriptor[]>;
  /** Calls back on attach/detach when the platform supports hotplug; returns an unsubscribe. */
  onChange(listener: () => void): () => void;
  close(): void;
}

export interface KnownUsbDevice {
  /** bus@address: stable while the device stays plugged. */
  location: string;
  vidPid: string;
  role: UsbRole;
  vendor: string;
  model: string;
}

export type UsbHotplugEvents = {
  attached: [device: KnownUsbDevice];
  detached: [device: KnownUsbDevice];
  error: [error: Error];
};

/** The `usb` 3.x package (WebUSB API over a native core), loaded only when started. */
export async function libusbBackend(): Promise<UsbBackend> {
  const { WebUSB } = await import('usb');
  const webusb = new WebUSB({ allowAllDevices: true });
  const handlers = new Set<() => void>();
  return {
    list: async () =>
      (await webusb.getDevices()).map((d) => ({ vendorId: d.vendorId, productId: d.productId, bus: String(d.bus), address: d.address })),
    onChange: (listener) => {
      handlers.add(listener);
      webusb.addEventListener('connect', listener);
      webusb.addEventListener('disconnect', listener);
      return () => {
        handlers.delete(listener);
        webusb.removeEventListener('connect', listener);
        webusb.removeEventListener('disconnect', listener);
      };
    },
    close: () => {
      for (const l of handlers) {
        webusb.removeEventListener('connect', l);
        webusb.removeEventListener('disconnect', l);
      }
      handlers.clear();
    },
  };
}

export interface UsbHotplugOptions {
  backend?: () => Promise<UsbBackend>;
  /** Extra venue entries, validated; they override built-ins with the same VID:PID. */
  extraCatalogue?: unknown[];
  /** Rescan period, for platforms without hotplug events. 0 disables polling. */
  pollMs?: number;
  log?: (line: string) => void;
}

/**
 * Known USB devices, recognised by VID:PID, with attach/detach as device state. Unknown devices
 * are ignored (counted in health). Every change triggers a rescan and a diff, so missed or
 * duplicate hotplug callbacks never leave the state wrong.
 */
export class UsbHotplug extends TypedEmitter<UsbHotplugEvents> {
  private backend?: UsbBackend;
  private unsubscribe?: () => void;
  private timer?: NodeJS.Timeout;
  private readonly present = new Map<string, KnownUsbDevice>();
  private readonly catalogue: Map<string, UsbCatalogueEntry>;
  private unknown = 0;
  private errors = 0;
  private lastSeen?: Date;
  private scanning: Promise<void> = Promise.resolve();

  constructor(private readonly opts: UsbHotplugOptions = {}) {
    super((err, event) => opts.log?.(`usb listener for ${event} threw: ${String(err)}`));
    const extra = (opts.extraCatalogue ?? []).map((e) => UsbCatalogueEntry.parse(e));
    this.catalogue = indexCatalogue([...USB_CATALOGUE, ...extra]);
  }

  async start(): Promise<void> {
    if (this.backend) return;
    this.backend = await (this.opts.backend ?? libusbBackend)();
    this.unsubscribe = this.backend.onChange(() => void this.rescan());
    await this.rescan();
    if (this.opts.pollMs) this.timer = setInterval(() => void this.rescan(), this.opts.pollMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await this.scanning;
    this.backend?.close();
    this.backend = undefined;
  }

  devices(role?: UsbRole): KnownUsbDevice[] {
    return [...this.present.values()].filter((d) => !role || d.role === role);
  }

  health(): DeviceHealth {
    return { present: this.backend !== undefined, lastSeen: this.lastSeen, errors: this.errors, detail: { known: this.present.size, unknown: this.unknown } };
  }

  /** Lists the bus and reports the difference with the last scan. Serialised. */
  rescan(): Promise<void> {
    this.scanning = this.scanning.then(() => this.scan());
    return this.scanning;
  }

  private async scan(): Promise<void> {
    const backend = this.backend;
    if (!backend) return;
    let list: UsbDescriptor[];
    try {
      list = await backend.list();
    } catch (err) {
      this.errors++;
      this.emit('error', new Error(`USB scan failed: ${(err as Error).message}`));
      return;
    }
    this.lastSeen = new Date();
    const seen = new Map<string, KnownUsbDevice>();
    let unknown = 0;
    for (const d of list) {
      const entry = this.catalogue.get(catalogueKey(d.vendorId, d.productId));
      if (!entry) {
        unknown++;
        continue;
      }
      const location = `${d.bus}@${d.address}`;
      seen.set(location, { location, vidPid: catalogueKey(d.vendorId, d.productId), role: entry.role, vendor: entry.vendor, model: entry.model });
    }
    this.unknown = unknown;
    for (const [loc, dev] of this.present) {
      if (!seen.has(loc) || seen.get(loc)!.vidPid !== dev.vidPid) {
        this.present.delete(loc);
        this.emit('detached', dev);
      }
    }
    for (const [loc, dev] of seen) {
      if (!this.present.has(loc)) {
        this.present.set(loc, dev);
        this.emit('attached', dev);
      }
    }
  }
}

/** Injected bus for tests and simulators: plug and unplug descriptors. */
export class MemoryUsbBackend implements UsbBackend {
  private devices: UsbDescriptor[] = [];
  private readonly listeners = new Set<() => void>();
  failNext = false;

  constructor(private readonly hotplug = true) {}

  plug(d: UsbDescriptor): void {
    this.devices.push(d);
    this.changed();
  }

  unplug(bus: string, address: number): void {
    this.devices = this.devices.filter((d) => d.bus !== bus || d.address !== address);
    this.changed();
  }

  async list(): Promise<UsbDescriptor[]> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('LIBUSB_ERROR_IO');
    }
    return [...this.devices];
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
  }

  private changed(): void {
    if (this.hotplug) for (const l of this.listeners) l();
  }
}
