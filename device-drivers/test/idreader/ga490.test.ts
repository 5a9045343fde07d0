import { residentIdCheckDigit } from '@evalroom/contracts';
import { decodeText, detectCardType, NATION_CODES, SEX_CODES, CARD_TYPE_OFFSET, decodeNewAddress } from '../../src/idreader';

/** Builds a text block by hand: each field UCS-2 LE, space-padded to its width. */
function block(fields: Array<[string, number]>): Buffer {
  const out = Buffer.concat(
    fields.map(([v, n]) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i += 2) b.writeUInt16LE(0x20, i);
      Buffer.from(v, 'utf16le').copy(b);
      return b;
    }),
  );
  expect(out.length).toBe(256);
  return out;
}

const id17 = '44030619900101123';
const residentId = id17 + residentIdCheckDigit(id17);

describe('GA 490 text decoding', () => {
  it('decodes a resident card: name 30, sex 2, nation 4, birth 16, address 70, id 36, issuer 30, validity 16+16', () => {
    const text = block([
      ['王美娜', 30], ['2', 2], ['11', 4], ['19900101', 16], ['广东省深圳市南山区科技园路1号', 70],
      [residentId, 36], ['深圳市公安局南山分局', 30], ['20150301', 16], ['20350301', 16], ['', 36],
    ]);
    expect(detectCardType(text)).toBe('resident');
    expect(decodeText(text)).toEqual({
      cardType: 'resident', name: '王美娜', sex: 'female', nation: '满', birthDate: '19900101',
      address: '广东省深圳市南山区科技园路1号', idNumber: residentId, issuer: '深圳市公安局南山分局',
      validFrom: '20150301', validTo: '20350301',
    });
  });

  it('decodes the foreigner permanent-residence layout (card type I at offset 248)', () => {
    const text = block([
      ['SMITH, JOHN ROBERT', 120], ['1', 2], ['CAN110079120101', 30], ['CAN', 6], ['约翰', 30],
      ['20200101', 16], ['20300101', 16], ['19790120', 16], ['01', 4], ['1100', 8], ['I', 2], ['', 6],
    ]);
    expect(text.readUInt16LE(CARD_TYPE_OFFSET)).toBe('I'.charCodeAt(0));
    expect(decodeText(text)).toEqual({
      cardType: 'foreigner', name: 'SMITH, JOHN ROBERT (约翰)', sex: 'male', nation: 'CAN', birthDate: '19790120',
      idNumber: 'CAN110079120101', issuer: '1100', validFrom: '20200101', validTo: '20300101',
    });
  });

  it('decodes the Hong Kong / Macau / Taiwan residence-permit layout (card type J)', () => {
    const text = block([
      ['陈大文', 30], ['1', 2], ['', 4], ['19850505', 16], ['广东省广州市天河区', 70], ['810000198505051234', 36],
      ['广州市公安局', 30], ['20190101', 16], ['20240101', 16], ['H12345678', 18], ['01', 4], ['', 6], ['J', 2], ['', 6],
    ]);
    expect(decodeText(text)).toMatchObject({ cardType: 'hk_macau_taiwan', name: '陈大文', sex: 'male', idNumber: '810000198505051234', issuer: '广州市公安局' });
    expect(decodeText(text).nation).toBeUndefined();
  });

  it('rejects an unknown card-type marker and a wrong block size', () => {
    const text = block([['X', 248], ['Z', 2], ['', 6]]);
    expect(() => detectCardType(text)).toThrow(/unsupported card type/);
    expect(() => detectCardType(Buffer.alloc(100))).toThrow(/256 bytes/);
  });

  it('keeps "长期" as the end of validity of a long-term card', () => {
    const text = block([
      ['李四', 30], ['1', 2], ['01', 4], ['19500101', 16], ['北京', 70], [residentId, 36], ['北京市公安局', 30], ['20100101', 16], ['长期', 16], ['', 36],
    ]);
    expect(decodeText(text).validTo).toBe('长期');
  });

  it('has the 56 ethnic groups of GB 3304 plus 97/98, and the GB/T 2261.1 sex codes', () => {
    const codes = Object.keys(NATION_CODES);
    expect(codes.filter((c) => Number(c) <= 56)).toHaveLength(56);
    expect(NATION_CODES['01']).toBe('汉');
    expect(NATION_CODES['56']).toBe('基诺');
    expect(NATION_CODES['97']).toBe('其他');
    expect(new Set(Object.values(NATION_CODES)).size).toBe(58);
    expect(SEX_CODES).toEqual({ '0': 'unknown', '1': 'male', '2': 'female', '9': 'unknown' });
  });

  it('decodes the appended-address block', () => {
    expect(decodeNewAddress(Buffer.from('上海市浦东新区世纪大道100号'.padEnd(35, ' '), 'utf16le'))).toBe('上海市浦东新区世纪大道100号');
  });
});
