import { catalogueKey, MemoryUsbBackend, USB_CATALOGUE, UsbCatalogueEntry, UsbHotplug, type KnownUsbDevice } from '../../src/usb';
import { waitFor } from '../helpers/wait';

describe('USB catalogue', () => {
  it('is valid data: every entry passes the schema and VID:PID pairs are unique', () => {
    for (const e of USB_CATALOGUE) expect(UsbCatalogueEntry.safeParse(e).success).toBe(true);
    const keys = USB_CATALOGUE.map((e) => catalogueKey(e.vid, e.pid));
    expect(new Set(keys).size).toBe(keys.length);
    for (const role of ['idreader', 'camera', 'smartcard_reader', 'ca_key'] as const) expect(USB_CATALOGUE.some((e) => e.role === role)).toBe(true);
    expect(catalogueKey(0x96e, 0x807)).toBe('096e:0807');
  });
});

describe.each([
  ['hotplug events', true, 0],
  ['polling only', false, 20],
])('USB hotplug on an injected bus (%s)', (_n, hotplug, pollMs) => {
  it('recognises known devices, ignores unknown ones and reports attach/detach', async () => {
    const bus = new MemoryUsbBackend(hotplug);
    bus.plug({ vendorId: 0x046d, productId: 0x082d, bus: '1-1', address: 2 });
    bus.plug({ vendorId: 0x1234, productId: 0x5678, bus: '1-1', address: 3 });
    const hub = new UsbHotplug({ backend: async () => bus, pollMs, extraCatalogue: [{ vid: '2fe3', pid: '0001', role: 'tablet', vendor: 'Venue', model: 'Sign pad' }] });
    const attached: KnownUsbDevice[] = [];
    const detached: KnownUsbDevice[] = [];
    hub.on('attached', (d) => attached.push(d));
    hub.on('detached', (d) => detached.push(d));
    await hub.start();
    expect(attached.map((d) => d.role)).toEqual(['camera']);
    expect(hub.health()).toMatchObject({ present: true, detail: { known: 1, unknown: 1 } });

    bus.plug({ vendorId: 0x096e, productId: 0x0807, bus: '2-1', address: 7 });
    bus.plug({ vendorId: 0x2fe3, productId: 0x0001, bus: '2-1', address: 8 });
    await waitFor(() => attached.length === 3, 2000, 'CA key and tablet');
    expect(hub.devices('ca_key')).toEqual([{ location: '2-1@7', vidPid: '096e:0807', role: 'ca_key', vendor: 'Feitian', model: 'ePass2003 USB key' }]);
    expect(hub.devices('tablet')).toHaveLength(1);

    bus.unplug('2-1', 7);
    await waitFor(() => detached.length === 1, 2000, 'CA key removal');
    expect(detached[0]!.vidPid).toBe('096e:0807');
    expect(hub.devices('ca_key')).toEqual([]);
    await hub.stop();
  });
});

describe('USB hotplug errors', () => {
  it('counts a failed scan, keeps the last state and rejects a malformed venue entry', async () => {
    expect(() => new UsbHotplug({ backend: async () => new MemoryUsbBackend(), extraCatalogue: [{ vid: 'XYZ', pid: '1', role: 'camera' }] })).toThrow();
    const bus = new MemoryUsbBackend();
    bus.plug({ vendorId: 0x072f, productId: 0x2200, bus: '1-1', address: 4 });
    const hub = new UsbHotplug({ backend: async () => bus });
    const errors: Error[] = [];
    hub.on('error', (e) => errors.push(e));
    await hub.start();
    bus.failNext = true;
    await hub.rescan();
    expect(errors[0]!.message).toMatch(/LIBUSB_ERROR_IO/);
    expect(hub.devices('smartcard_reader')).toHaveLength(1);
    expect(hub.health().errors).toBe(1);
    await hub.stop();
  });
});
