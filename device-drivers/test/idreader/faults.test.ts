import type { IdCard } from '@evalroom/contracts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  chipFromIdCard, decodeBmp24, GaT467IdReader, GaT467SamSimulator, HttpWltDecoder, SamStatusError, syntheticPortraitBmp, TestWltCodec, encodeText,
} from '../../src/idreader';
import { openSerialTransport, type ByteTransport } from '../../src/idreader/transport';
import { contractCard } from '../contract/idreader.contract';
import { openPtyPair, type PtyPair } from '../helpers/pty';
import { nextEvent, waitFor } from '../helpers/wait';

/** Faults on real bytes: the driver on one pty end, the byte-level SAM on the other. */
describe('GA/T 467 driver over a pty: malformed and missing responses', () => {
  let pty: PtyPair;
  let device: ByteTransport;
  let sam: GaT467SamSimulator;
  let reader: GaT467IdReader;
  const errors: Error[] = [];

  beforeEach(async () => {
    errors.length = 0;
    pty = await openPtyPair();
    device = await openSerialTransport({ path: pty.b, baudRate: 115200 });
    sam = new GaT467SamSimulator(device);
    reader = new GaT467IdReader({
      openTransport: () => openSerialTransport({ path: pty.a, baudRate: 115200 }),
      wltDecoder: new TestWltCodec(),
      pollIntervalMs: 20,
      responseTimeoutMs: 150,
      readNewAddress: true,
    });
    reader.on('error', (e) => errors.push(e));
  });
  afterEach(async () => {
    await reader.stop();
    sam.detach();
    await device.close();
    await pty.close();
  });

  it('reads through garbage before the preamble and a response trickled byte by byte', async () => {
    await reader.start();
    sam.faults = { garbageBeforeNext: Buffer.from('\x00\xff\xaa\xaa noise'), trickle: 3 };
    const seen = nextEvent<[IdCard]>(reader, 'card', 5000);
    sam.placeCard(chipFromIdCard(contractCard));
    const [card] = await seen;
    expect(card.idNumber).toBe(contractCard.idNumber);
    expect(reader.health().detail?.garbageBytes).toBeGreaterThan(0);
  });

  it('times out on a bad checksum, a truncated frame and silence, then recovers', async () => {
    await reader.start();
    sam.faults = { badChecksum: 1, truncate: 1, silent: 1 };
    const seen = nextEvent<[IdCard]>(reader, 'card', 5000);
    sam.placeCard(chipFromIdCard(contractCard));
    await seen;
    const h = reader.health();
    expect(h.detail?.checksumErrors).toBeGreaterThanOrEqual(1);
    expect(h.detail?.timeouts).toBeGreaterThanOrEqual(3);
    expect(errors.filter((e) => /no complete response/.test(e.message)).length).toBeGreaterThanOrEqual(3);
    expect(h.present).toBe(true);
  });

  it('reports a failing SAM self-check (0x60) as not ok and unhealthy', async () => {
    sam.faults = { forceStatus: { samStatus: 0x60 } };
    await reader.start();
    expect(await reader.samStatus()).toEqual({ samId: '', ok: false });
    expect(reader.health().present).toBe(false);
    expect(errors.some((e) => e instanceof SamStatusError && e.status.name === 'self_check_failed')).toBe(true);
  });

  it('surfaces a card read failure (0x41) as an error and emits no card', async () => {
    await reader.start();
    sam.faults = { forceStatus: { readBase: 0x41 } };
    sam.placeCard(chipFromIdCard(contractCard));
    await waitFor(() => errors.some((e) => e instanceof SamStatusError && e.status.sw3 === 0x41), 3000, 'read failure');
    let cards = 0;
    reader.on('card', () => cards++);
    sam.faults = {};
    await waitFor(() => cards === 1, 3000, 'card after the fault clears');
  });

  it('uses the appended address when the card has one', async () => {
    await reader.start();
    const seen = nextEvent<[IdCard]>(reader, 'card');
    sam.placeCard({ ...chipFromIdCard(contractCard), newAddress: '北京市海淀区中关村大街1号' });
    const [card] = await seen;
    expect(card.address).toBe('北京市海淀区中关村大街1号');
  });

  it('never emits a card whose ID number fails the GB 11643 check digit, and masks it in the error', async () => {
    await reader.start();
    const bad = contractCard.idNumber.slice(0, 17) + (contractCard.idNumber[17] === '0' ? '1' : '0');
    const chip = chipFromIdCard(contractCard);
    chip.text = encodeText('resident', {
      name: '张三丰', sex: '1', nation: '01', birthDate: '19491231', address: 'x', idNumber: bad, issuer: 'y', validFrom: '20200101', validTo: '长期',
    });
    let cards = 0;
    reader.on('card', () => cards++);
    sam.placeCard(chip);
    await waitFor(() => errors.some((e) => /GB 11643/.test(e.message)), 3000, 'rejection');
    const msg = errors.find((e) => /GB 11643/.test(e.message))!.message;
    expect(msg).not.toContain(bad);
    expect(msg).toContain(bad.slice(0, 6) + '********');
    expect(cards).toBe(0);
  });
});

describe('WLT decoder slot', () => {
  it('the test codec round-trips a 102 × 126 BMP through 1024 bytes', async () => {
    const codec = new TestWltCodec();
    const bmp = syntheticPortraitBmp(5);
    const wlt = codec.encode(bmp);
    expect(wlt.length).toBe(1024);
    const out = await codec.decode(wlt);
    expect(out.format).toBe('bmp');
    expect(out.data.equals(bmp)).toBe(true);
    expect(decodeBmp24(out.data)).toMatchObject({ width: 102, height: 126 });
    await expect(codec.decode(Buffer.alloc(1024))).rejects.toThrow(/not a test-WLT/);
  });

  it('the HTTP decoder posts WLT bytes to a decoding service and returns its image', async () => {
    const codec = new TestWltCodec();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        if (req.headers.authorization !== 'Bearer t0k') {
          res.writeHead(401).end();
          return;
        }
        const out = await codec.decode(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'image/bmp' }).end(out.data);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/decode`;
    try {
      const bmp = syntheticPortraitBmp(2);
      const out = await new HttpWltDecoder(url, 2000, 'Bearer t0k').decode(codec.encode(bmp));
      expect(out).toEqual({ format: 'bmp', data: bmp });
      await expect(new HttpWltDecoder(url, 2000).decode(codec.encode(bmp))).rejects.toThrow(/HTTP 401/);
    } finally {
      server.close();
    }
  });
});
