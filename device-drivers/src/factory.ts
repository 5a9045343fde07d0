import type { DeviceConfig } from '@evalroom/contracts';
import type { AnyDevicePort } from './ports';
import { SimCamera, SimGate, SimIdReader, SimLocker, SimTablet } from './sim';

export type SimDevice = SimIdReader | SimGate | SimCamera | SimTablet | SimLocker;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Builds a simulator from a device config; options are read leniently with defaults. */
export function createSimDevice(config: DeviceConfig): SimDevice {
  const o = config.options ?? {};
  switch (config.kind) {
    case 'idreader':
      return new SimIdReader({ samId: str(o.samId) });
    case 'gate':
      return new SimGate({ walkThroughMs: num(o.walkThroughMs), doorOpenMs: num(o.doorOpenMs), heldOpenAlarmMs: num(o.heldOpenAlarmMs) });
    case 'camera':
      return new SimCamera({
        stillImages: Array.isArray(o.stillImages) ? o.stillImages.filter((s): s is string => typeof s === 'string') : undefined,
        rtspUrl: str(o.rtspUrl),
        testPattern: str(o.testPattern),
      });
    case 'tablet':
      return new SimTablet({ faceImage: str(o.faceImage) });
    case 'locker':
      return new SimLocker({ slots: num(o.slots) });
  }
}

type RealModule = { createRealDevice(config: DeviceConfig): Promise<AnyDevicePort> };

/**
 * A port for a configured device. Real drivers (native modules) are loaded only when a device
 * asks for them, so a simulated room never needs the hardware libraries.
 */
export async function createDevicePort(config: DeviceConfig): Promise<AnyDevicePort> {
  if (config.driver !== 'real') return createSimDevice(config);
  let mod: RealModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('./real') as RealModule;
  } catch (err) {
    throw new Error(
      `device ${config.deviceId}: driver "real" is not available in this build (device-drivers/src/real.ts: ${(err as Error).message.split('\n')[0]})`,
    );
  }
  if (typeof mod.createRealDevice !== 'function') throw new Error(`device ${config.deviceId}: device-drivers/real does not export createRealDevice`);
  return mod.createRealDevice(config);
}
