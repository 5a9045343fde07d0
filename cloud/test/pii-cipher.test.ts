import { randomBytes } from 'node:crypto';
import { PiiCipher } from '../src/crypto/pii-cipher';

describe('PiiCipher', () => {
  const cipher = new PiiCipher({ secretKey: randomBytes(32) });

  it('round-trips and never contains the clear text', () => {
    const sealed = cipher.seal('110101199003071234', 'S1');
    expect(sealed).not.toContain('110101');
    expect(cipher.open(sealed, 'S1')).toBe('110101199003071234');
    expect(cipher.seal('x')).not.toBe(cipher.seal('x'));
  });

  it('refuses altered ciphertext, another aad or another key', () => {
    const sealed = cipher.seal('张三', 'S1');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('zzzz').toString('base64url');
    expect(() => cipher.open(parts.join('.'), 'S1')).toThrow();
    expect(() => cipher.open(sealed, 'S2')).toThrow();
    expect(() => new PiiCipher({ secretKey: randomBytes(32) }).open(sealed, 'S1')).toThrow();
  });
});
