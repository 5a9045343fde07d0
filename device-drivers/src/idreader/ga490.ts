import type { CardType } from '@evalroom/contracts';

/**
 * GA 490 text block of the second-generation card (256 bytes, UCS-2 little-endian, fixed-width
 * fields padded with spaces). The byte at offset 248 tells the layout apart: a resident card
 * leaves it blank, the foreigner permanent-residence card (2017 layout) writes 'I' and the
 * Hong Kong / Macau / Taiwan residence permit writes 'J'.
 */
export const TEXT_BLOCK_LENGTH = 256;
export const CARD_TYPE_OFFSET = 248;

type Field = readonly [name: string, bytes: number];

export const RESIDENT_LAYOUT = [
  ['name', 30],
  ['sex', 2],
  ['nation', 4],
  ['birthDate', 16],
  ['address', 70],
  ['idNumber', 36],
  ['issuer', 30],
  ['validFrom', 16],
  ['validTo', 16],
  ['reserved', 36],
] as const satisfies readonly Field[];

export const FOREIGNER_LAYOUT = [
  ['englishName', 120],
  ['sex', 2],
  ['idNumber', 30],
  ['nationality', 6],
  ['chineseName', 30],
  ['validFrom', 16],
  ['validTo', 16],
  ['birthDate', 16],
  ['version', 4],
  ['issuerCode', 8],
  ['cardType', 2],
  ['reserved', 6],
] as const satisfies readonly Field[];

export const HMT_LAYOUT = [
  ['name', 30],
  ['sex', 2],
  ['reserved1', 4],
  ['birthDate', 16],
  ['address', 70],
  ['idNumber', 36],
  ['issuer', 30],
  ['validFrom', 16],
  ['validTo', 16],
  ['passNumber', 18],
  ['issueCount', 4],
  ['reserved2', 6],
  ['cardType', 2],
  ['reserved3', 6],
] as const satisfies readonly Field[];

const LAYOUTS = { resident: RESIDENT_LAYOUT, foreigner: FOREIGNER_LAYOUT, hk_macau_taiwan: HMT_LAYOUT } as const;
type FieldName<L extends readonly Field[]> = L[number][0];

/** GB/T 2261.1 sex codes. */
export const SEX_CODES: Readonly<Record<string, 'male' | 'female' | 'unknown'>> = {
  '0': 'unknown',
  '1': 'male',
  '2': 'female',
  '9': 'unknown',
};

/** GB 3304 ethnic group codes (56 groups, plus 97 其他 and 98 外国血统中国籍人士). */
export const NATION_CODES: Readonly<Record<string, string>> = Object.fromEntries(
  [
    '汉', '蒙古', '回', '藏', '维吾尔', '苗', '彝', '壮', '布依', '朝鲜', '满', '侗', '瑶', '白', '土家',
    '哈尼', '哈萨克', '傣', '黎', '傈僳', '佤', '畲', '高山', '拉祜', '水', '东乡', '纳西', '景颇',
    '柯尔克孜', '土', '达斡尔', '仫佬', '羌', '布朗', '撒拉', '毛南', '仡佬', '锡伯', '阿昌', '普米',
    '塔吉克', '怒', '乌孜别克', '俄罗斯', '鄂温克', '德昂', '保安', '裕固', '京', '塔塔尔', '独龙',
    '鄂伦春', '赫哲', '门巴', '珞巴', '基诺',
  ]
    .map((n, i) => [String(i + 1).padStart(2, '0'), n] as [string, string])
    .concat([
      ['97', '其他'],
      ['98', '外国血统中国籍人士'],
    ]),
);

export function detectCardType(text: Buffer): CardType {
  if (text.length !== TEXT_BLOCK_LENGTH) throw new Error(`text block must be ${TEXT_BLOCK_LENGTH} bytes, got ${text.length}`);
  const marker = String.fromCharCode(text.readUInt16LE(CARD_TYPE_OFFSET));
  if (marker === 'I') return 'foreigner';
  if (marker === 'J') return 'hk_macau_taiwan';
  if (marker === ' ' || marker === '\0') return 'resident';
  throw new Error(`unsupported card type marker ${JSON.stringify(marker)} at offset ${CARD_TYPE_OFFSET}`);
}

export function splitFields<L extends readonly Field[]>(text: Buffer, layout: L): Record<FieldName<L>, string> {
  const out: Record<string, string> = {};
  let at = 0;
  for (const [name, bytes] of layout) {
    out[name] = text
      .subarray(at, at + bytes)
      .toString('utf16le')
      .replace(/[\s\0]+$/u, '');
    at += bytes;
  }
  return out as Record<FieldName<L>, string>;
}

export function joinFields<L extends readonly Field[]>(layout: L, values: Partial<Record<FieldName<L>, string>>): Buffer {
  const parts = layout.map(([name, bytes]) => {
    const value = (values as Record<string, string | undefined>)[name] ?? '';
    const raw = Buffer.from(value, 'utf16le');
    if (raw.length > bytes) throw new RangeError(`${name}: ${raw.length} bytes do not fit in ${bytes}`);
    const field = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i += 2) field.writeUInt16LE(0x20, i);
    raw.copy(field);
    return field;
  });
  return Buffer.concat(parts);
}

export interface DecodedText {
  cardType: CardType;
  name: string;
  sex: 'male' | 'female' | 'unknown';
  nation?: string;
  birthDate: string;
  address?: string;
  idNumber: string;
  issuer?: string;
  validFrom: string;
  validTo: string;
}

const opt = (s: string): string | undefined => (s === '' ? undefined : s);

/** Decodes a 256-byte text block into the fields of contracts' IdCard (photo excluded). */
export function decodeText(text: Buffer): DecodedText {
  const cardType = detectCardType(text);
  if (cardType === 'foreigner') {
    const f = splitFields(text, FOREIGNER_LAYOUT);
    return {
      cardType,
      // The English name is the primary name on the permit; the Chinese name is optional.
      name: f.chineseName ? `${f.englishName} (${f.chineseName})` : f.englishName,
      sex: SEX_CODES[f.sex] ?? 'unknown',
      nation: opt(f.nationality),
      birthDate: f.birthDate,
      idNumber: f.idNumber,
      issuer: opt(f.issuerCode),
      validFrom: f.validFrom,
      validTo: f.validTo,
    };
  }
  if (cardType === 'hk_macau_taiwan') {
    const f = splitFields(text, HMT_LAYOUT);
    return {
      cardType,
      name: f.name,
      sex: SEX_CODES[f.sex] ?? 'unknown',
      birthDate: f.birthDate,
      address: opt(f.address),
      idNumber: f.idNumber,
      issuer: opt(f.issuer),
      validFrom: f.validFrom,
      validTo: f.validTo,
    };
  }
  const f = splitFields(text, RESIDENT_LAYOUT);
  return {
    cardType,
    name: f.name,
    sex: SEX_CODES[f.sex] ?? 'unknown',
    nation: NATION_CODES[f.nation] ?? opt(f.nation),
    birthDate: f.birthDate,
    address: opt(f.address),
    idNumber: f.idNumber,
    issuer: opt(f.issuer),
    validFrom: f.validFrom,
    validTo: f.validTo,
  };
}

export function layoutFor(cardType: CardType): readonly Field[] {
  return LAYOUTS[cardType];
}

/** Inverse of decodeText for the simulator: field values are the raw codes (sex '1', nation '01'). */
export function encodeText(cardType: 'resident', fields: Partial<Record<FieldName<typeof RESIDENT_LAYOUT>, string>>): Buffer;
export function encodeText(cardType: 'foreigner', fields: Partial<Record<FieldName<typeof FOREIGNER_LAYOUT>, string>>): Buffer;
export function encodeText(cardType: 'hk_macau_taiwan', fields: Partial<Record<FieldName<typeof HMT_LAYOUT>, string>>): Buffer;
export function encodeText(cardType: CardType, fields: Record<string, string>): Buffer {
  if (cardType === 'foreigner') return joinFields(FOREIGNER_LAYOUT, { ...fields, cardType: 'I' });
  if (cardType === 'hk_macau_taiwan') return joinFields(HMT_LAYOUT, { ...fields, cardType: 'J' });
  return joinFields(RESIDENT_LAYOUT, fields);
}

/** Decodes the 70-byte block returned by "read new address" (0x30 03). */
export function decodeNewAddress(block: Buffer): string {
  return block.toString('utf16le').replace(/[\s\0]+$/u, '');
}
