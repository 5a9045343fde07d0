import type { DeviceKind } from '@evalroom/contracts';
import type { AnyDevicePort, CameraPort, GatePort, IdReaderPort, LockerPort, TabletPort } from '../ports';

/**
 * How each DeviceCommands entry maps onto a port call. Params arrive already validated by the
 * contract schema; the returned data is validated again before it is sent.
 */
type Handler<P> = (port: P, params: Record<string, unknown>, transaction: string) => Promise<unknown>;
type Table = { [K in DeviceKind]: Record<string, Handler<never>> };

const idreader: Record<string, Handler<IdReaderPort>> = {
  reset: async (p) => {
    await p.reset();
    return {};
  },
  'sam.status': (p) => p.samStatus(),
};

const gate: Record<string, Handler<GatePort>> = {
  open: async (p, params) => ({ openedAt: (await p.open(params.durationMs as number)).toISOString() }),
  close: async (p) => {
    await p.close();
    return {};
  },
};

const camera: Record<string, Handler<CameraPort>> = {
  capture: async (p, params) => {
    const img = await p.capture({ maxWidth: params.maxWidth as number | undefined });
    return { image: img.image.toString('base64'), format: img.format, width: img.width, height: img.height };
  },
};

const tablet: Record<string, Handler<TabletPort>> = {
  'face.capture': async (p, params) => {
    const img = await p.captureFace(params.timeoutMs as number);
    return { image: img.image.toString('base64'), format: img.format };
  },
  'signature.capture': async (p, params) => {
    const sig = await p.captureSignature(params.prompt as string, params.timeoutMs as number);
    return { image: sig.image.toString('base64'), format: sig.format, strokes: sig.strokes };
  },
  'display.message': async (p, params) => {
    await p.showMessage(params.title as string, params.body as string);
    return {};
  },
};

const locker: Record<string, Handler<LockerPort>> = {
  assign: async (p, params) => ({ slot: await p.assign(params.checkinId as string) }),
  open: async (p, params) => {
    await p.open(params.slot as number);
    return {};
  },
  release: async (p, params) => {
    await p.release(params.slot as number);
    return {};
  },
};

export const COMMAND_HANDLERS: Table = { idreader, gate, camera, tablet, locker } as Table;

export function runCommand(port: AnyDevicePort, command: string, params: Record<string, unknown>, transaction: string): Promise<unknown> {
  const handler = COMMAND_HANDLERS[port.kind][command] as Handler<AnyDevicePort> | undefined;
  if (!handler) return Promise.reject(new Error(`no handler for ${port.kind}.${command}`));
  return handler(port, params, transaction);
}
