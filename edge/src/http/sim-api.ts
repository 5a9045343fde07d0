import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { IdCard, residentIdCheckDigit, validate } from '@evalroom/contracts';
import { SimCamera, SimGate, SimIdReader, SimLocker, SimTablet, type SimDevice } from '@evalroom/device-drivers';
import type SharpFn from 'sharp';
import { z } from 'zod';
import { HttpError, type HttpApi } from './server';

/** Convenience body: a card built from a face photo (chip photo = 102 × 126 crop of it). */
export const CardFromPhoto = z
  .object({
    faceImagePath: z.string().min(1),
    name: z.string().min(1).max(120).default('测试专家'),
    idNumber: z.string().min(9).max(32).optional(),
    sex: z.enum(['male', 'female', 'unknown']).default('unknown'),
    birthDate: z.string().regex(/^\d{8}$/).default('19750101'),
    validFrom: z.string().regex(/^\d{8}$/).optional(),
    validTo: z.string().regex(/^\d{8}$|^长期$/).optional(),
  })
  .strict();

const FrameByPath = z.object({ path: z.string().min(1) }).strict();
const DoorBody = z.object({ open: z.boolean() }).strict();

const ymd = (d: Date): string => d.toISOString().slice(0, 10).replace(/-/g, '');

/** The chip photo as an ID reader would return it: 102 × 126, here JPEG. */
export async function chipPhotoFrom(image: Buffer): Promise<Buffer> {
  // sharp is loaded only when the sim API builds a card.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sharp = require('sharp') as typeof SharpFn;
  return sharp(image).rotate().resize(102, 126, { fit: 'cover', position: sharp.strategy.attention }).jpeg({ quality: 92 }).toBuffer();
}

export async function cardFromPhoto(input: z.infer<typeof CardFromPhoto>): Promise<IdCard> {
  let image: Buffer;
  try {
    image = readFileSync(input.faceImagePath);
  } catch (err) {
    throw new HttpError(400, 'bad_request', `cannot read faceImagePath: ${(err as Error).message}`);
  }
  const photo = await chipPhotoFrom(image).catch((err: Error) => {
    throw new HttpError(400, 'bad_request', `faceImagePath is not a usable image: ${err.message}`);
  });
  const first17 = `110101${input.birthDate}${String(randomInt(0, 1000)).padStart(3, '0')}`;
  const now = new Date();
  const card = {
    cardType: 'resident',
    name: input.name,
    sex: input.sex,
    nation: '汉',
    birthDate: input.birthDate,
    idNumber: input.idNumber ?? first17 + residentIdCheckDigit(first17),
    issuer: '模拟公安局',
    validFrom: input.validFrom ?? ymd(new Date(now.getTime() - 5 * 365 * 86_400_000)),
    validTo: input.validTo ?? ymd(new Date(now.getTime() + 5 * 365 * 86_400_000)),
    photo: { format: 'jpeg', data: photo.toString('base64') },
  };
  const ok = validate(IdCard, card);
  if (!ok.ok) throw new HttpError(400, 'bad_request', `card: ${ok.reason}`);
  return ok.value;
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = validate(schema, value);
  if (!r.ok) throw new HttpError(400, 'bad_request', r.reason);
  return r.value;
}

/**
 * Routes that drive the simulated room from outside (only when http.simApi is true):
 *   POST   /sim/devices/:deviceId/card    IdCard JSON, or {faceImagePath, name?, idNumber?, …}
 *   DELETE /sim/devices/:deviceId/card    card taken off the reader
 *   PUT    /sim/devices/:deviceId/frame   next camera/tablet capture: image bytes, or {"path": …}
 *   POST   /sim/devices/:deviceId/door    {"open": true|false} moves the door past the sensor
 *   GET    /sim/devices/:deviceId         state (gate: open/closed history)
 *   GET    /sim/devices                   every simulated device
 */
export function registerSimApi(api: HttpApi, sims: ReadonlyMap<string, SimDevice>): void {
  const device = <T extends SimDevice>(id: string, type: new (...a: never[]) => T, what: string): T => {
    const d = sims.get(id);
    if (!d) throw new HttpError(404, 'not_found', `no simulated device ${id}`);
    if (!(d instanceof type)) throw new HttpError(409, 'conflict', `${id} is a ${d.kind}, not ${what}`);
    return d;
  };

  api.route('POST', '/sim/devices/:deviceId/card', async (req) => {
    const reader = device(req.params.deviceId!, SimIdReader, 'an idreader');
    const body = req.json() as Record<string, unknown>;
    const card = body && typeof body === 'object' && 'faceImagePath' in body ? await cardFromPhoto(parse(CardFromPhoto, body)) : parse(IdCard, body);
    reader.insertCard(card);
    return { status: 201, body: { inserted: true, idNumberLast4: card.idNumber.slice(-4), name: card.name } };
  });

  api.route('DELETE', '/sim/devices/:deviceId/card', async (req) => {
    const reader = device(req.params.deviceId!, SimIdReader, 'an idreader');
    return { body: { removed: reader.removeCard() } };
  });

  api.route('PUT', '/sim/devices/:deviceId/frame', async (req) => {
    const d = sims.get(req.params.deviceId!);
    if (!d) throw new HttpError(404, 'not_found', `no simulated device ${req.params.deviceId}`);
    if (!(d instanceof SimCamera) && !(d instanceof SimTablet)) throw new HttpError(409, 'conflict', `${d.kind} takes no frames`);
    let bytes: Buffer;
    if ((req.headers['content-type'] ?? '').startsWith('application/json')) {
      const { path } = parse(FrameByPath, req.json());
      try {
        bytes = readFileSync(path);
      } catch (err) {
        throw new HttpError(400, 'bad_request', `cannot read ${path}: ${(err as Error).message}`);
      }
    } else bytes = req.body;
    try {
      const img = d instanceof SimCamera ? d.setNextFrame(bytes) : d.setNextFace(bytes);
      return { body: { queued: true, format: img.format, width: img.width, height: img.height } };
    } catch (err) {
      throw new HttpError(400, 'bad_request', (err as Error).message);
    }
  });

  api.route('POST', '/sim/devices/:deviceId/door', async (req) => {
    const gate = device(req.params.deviceId!, SimGate, 'a gate');
    gate.setDoor(parse(DoorBody, req.json()).open);
    return { body: { doorOpen: gate.isDoorOpen() } };
  });

  api.route('GET', '/sim/devices/:deviceId', async (req) => {
    const d = sims.get(req.params.deviceId!);
    if (!d) throw new HttpError(404, 'not_found', `no simulated device ${req.params.deviceId}`);
    return { body: describe(req.params.deviceId!, d) };
  });

  api.route('GET', '/sim/devices', async () => ({ body: { devices: [...sims].map(([id, d]) => describe(id, d)) } }));
}

function describe(deviceId: string, d: SimDevice): Record<string, unknown> {
  const h = d.health();
  const base = { deviceId, kind: d.kind, driver: d.driver, present: h.present, errors: h.errors, detail: h.detail ?? {} };
  if (d instanceof SimGate) return { ...base, open: d.isOpen(), doorOpen: d.isDoorOpen(), history: d.history() };
  if (d instanceof SimIdReader) return { ...base, cardPresent: d.hasCard() };
  if (d instanceof SimTablet) return { ...base, messages: d.shownMessages() };
  if (d instanceof SimLocker) return base;
  return base;
}
