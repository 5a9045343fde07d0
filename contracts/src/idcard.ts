import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { Base64Image } from './common';

/** GB 11643 check digit of an 18-character resident ID number. */
export function residentIdCheckDigit(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * weights[i]!;
  return '10X98765432'[sum % 11]!;
}

export function isValidResidentIdNumber(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  return residentIdCheckDigit(id.slice(0, 17)) === id[17];
}

/** Card layouts of GA 490 and its variants. */
export const CardType = z.enum(['resident', 'foreigner', 'hk_macau_taiwan']);
export type CardType = z.infer<typeof CardType>;

export const DateYmd = z.string().regex(/^\d{8}$|^长期$/, 'YYYYMMDD or 长期');

/** Decoded ID card as the reader reports it. The photo is the chip photo (102 × 126). */
export const IdCard = z
  .object({
    cardType: CardType,
    name: z.string().min(1).max(120),
    sex: z.enum(['male', 'female', 'unknown']),
    nation: z.string().max(40).optional(),
    birthDate: DateYmd,
    address: z.string().max(200).optional(),
    idNumber: z.string().min(9).max(32),
    issuer: z.string().max(100).optional(),
    validFrom: DateYmd,
    validTo: DateYmd,
    photo: z.object({ format: z.enum(['bmp', 'jpeg', 'png']), data: Base64Image }).strict(),
  })
  .strict()
  .superRefine((card, ctx) => {
    if (card.cardType === 'resident' && !isValidResidentIdNumber(card.idNumber)) {
      ctx.addIssue({ code: 'custom', path: ['idNumber'], message: 'fails the GB 11643 check digit' });
    }
  });
export type IdCard = z.infer<typeof IdCard>;

/**
 * Rosters carry only a keyed hash of each ID number, so an appliance can recognise an expert at
 * the door without ever holding the list of identities (assignments stay sealed).
 */
export function idNumberHash(idNumber: string, sessionKeyBase64: string): string {
  return createHmac('sha256', Buffer.from(sessionKeyBase64, 'base64'))
    .update(idNumber.trim().toUpperCase(), 'utf8')
    .digest('hex');
}

/** Masked form for logs and screens: 110101********1234 */
export function maskIdNumber(idNumber: string): string {
  if (idNumber.length <= 8) return '*'.repeat(idNumber.length);
  return idNumber.slice(0, 6) + '*'.repeat(idNumber.length - 10) + idNumber.slice(-4);
}
