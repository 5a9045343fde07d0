import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CLOUD_CONFIG, type CloudConfig } from '../config/config';

/**
 * AES-256-GCM for personal data at rest (expert names, ID numbers). Output is
 * `v1.<iv>.<tag>.<ciphertext>` in base64url. Callers audit every `open`.
 */
@Injectable()
export class PiiCipher {
  private readonly key: Buffer;

  constructor(@Inject(CLOUD_CONFIG) config: Pick<CloudConfig, 'secretKey'>) {
    if (config.secretKey.length !== 32) throw new Error('PiiCipher needs a 32-byte key');
    this.key = config.secretKey;
  }

  seal(plain: string, aad = ''): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Throws when the ciphertext was altered or sealed with another key/aad. */
  open(sealed: string, aad = ''): string {
    const [v, iv, tag, body] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed value');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
  }
}
