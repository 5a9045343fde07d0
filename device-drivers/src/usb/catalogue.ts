import { z } from 'zod';

/**
 * USB devices the appliance recognises by VID:PID. Devices are data (zigbee-herdsman style):
 * one test validates the whole catalogue. Venues add entries through the driver options.
 * `serial_bridge` chips carry most GA/T 467 readers, which then speak over a tty.
 */
export const UsbRole = z.enum(['idreader', 'serial_bridge', 'camera', 'smartcard_reader', 'ca_key', 'tablet']);
export type UsbRole = z.infer<typeof UsbRole>;

const Hex4 = z.string().regex(/^[0-9a-f]{4}$/, '4 lower-case hex digits');
export const UsbCatalogueEntry = z
  .object({ vid: Hex4, pid: Hex4, role: UsbRole, vendor: z.string().min(1).max(60), model: z.string().min(1).max(80) })
  .strict();
export type UsbCatalogueEntry = z.infer<typeof UsbCatalogueEntry>;

export const USB_CATALOGUE: readonly UsbCatalogueEntry[] = [
  { vid: '0400', pid: 'c35a', role: 'idreader', vendor: 'GA/T 467 SAM (USB)', model: 'second-generation ID card reader, USB SAM interface' },
  { vid: '10c4', pid: 'ea60', role: 'serial_bridge', vendor: 'Silicon Labs', model: 'CP210x USB-UART (ID reader serial link)' },
  { vid: '0403', pid: '6001', role: 'serial_bridge', vendor: 'FTDI', model: 'FT232R USB-UART' },
  { vid: '067b', pid: '2303', role: 'serial_bridge', vendor: 'Prolific', model: 'PL2303 USB-serial' },
  { vid: '1a86', pid: '7523', role: 'serial_bridge', vendor: 'QinHeng', model: 'CH340 USB-serial' },
  { vid: '046d', pid: '082d', role: 'camera', vendor: 'Logitech', model: 'HD Pro Webcam C920' },
  { vid: '046d', pid: '0825', role: 'camera', vendor: 'Logitech', model: 'Webcam C270' },
  { vid: '046d', pid: '0843', role: 'camera', vendor: 'Logitech', model: 'Webcam C930e' },
  { vid: '045e', pid: '0779', role: 'camera', vendor: 'Microsoft', model: 'LifeCam HD-3000' },
  { vid: '072f', pid: '2200', role: 'smartcard_reader', vendor: 'ACS', model: 'ACR122U' },
  { vid: '076b', pid: '3021', role: 'smartcard_reader', vendor: 'HID Omnikey', model: 'CardMan 3121' },
  { vid: '08e6', pid: '3437', role: 'smartcard_reader', vendor: 'Gemalto', model: 'PC Twin Reader' },
  { vid: '096e', pid: '0807', role: 'ca_key', vendor: 'Feitian', model: 'ePass2003 USB key' },
];

export const catalogueKey = (vid: number | string, pid: number | string): string => {
  const h = (v: number | string) => (typeof v === 'number' ? v.toString(16) : v.toLowerCase()).padStart(4, '0');
  return `${h(vid)}:${h(pid)}`;
};

export function indexCatalogue(entries: readonly UsbCatalogueEntry[]): Map<string, UsbCatalogueEntry> {
  return new Map(entries.map((e) => [catalogueKey(e.vid, e.pid), e]));
}
