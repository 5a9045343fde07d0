/**
 * The SAM management number (0x12 FF) comes back as 16 bytes of little-endian integers and is
 * printed as "05.01-20080923-0006658913-2147535456" on the module's label.
 */
export function formatSamId(data: Buffer): string {
  if (data.length < 16) throw new Error(`SAM id needs 16 bytes, got ${data.length}`);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const p10 = (n: number) => String(n).padStart(10, '0');
  return `${p2(data.readUInt16LE(0))}.${p2(data.readUInt16LE(2))}-${data.readUInt32LE(4)}-${p10(data.readUInt32LE(8))}-${p10(data.readUInt32LE(12))}`;
}

export function encodeSamId(id: string): Buffer {
  const m = /^(\d{1,2})\.(\d{1,2})-(\d{1,10})-(\d{1,10})-(\d{1,10})$/.exec(id);
  if (!m) throw new Error(`malformed SAM id ${JSON.stringify(id)}`);
  const out = Buffer.alloc(16);
  out.writeUInt16LE(Number(m[1]), 0);
  out.writeUInt16LE(Number(m[2]), 2);
  out.writeUInt32LE(Number(m[3]), 4);
  out.writeUInt32LE(Number(m[4]), 8);
  out.writeUInt32LE(Number(m[5]), 12);
  return out;
}
