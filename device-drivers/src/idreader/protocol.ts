/**
 * Commands and status words of the SAM business-terminal interface, GA/T 467-2019 §7
 * ("业务终端接口": table of CMD/Para and the SW1 SW2 SW3 status table). SW1/SW2 relay the card's
 * APDU status; SW3 is the SAM's own status and is what callers branch on.
 */
export const Command = {
  /** 复位 SAM */
  reset: { cmd: 0x10, para: 0xff },
  /** SAM 状态检测 */
  samStatus: { cmd: 0x11, para: 0xff },
  /** 读 SAM 管理信息 (SAM 编号) */
  samId: { cmd: 0x12, para: 0xff },
  /** 寻找证/卡 */
  findCard: { cmd: 0x20, para: 0x01 },
  /** 选取证/卡 */
  selectCard: { cmd: 0x20, para: 0x02 },
  /** 读固定信息: 文字 + 相片 */
  readBase: { cmd: 0x30, para: 0x01 },
  /** 读最新住址信息 (追加住址) */
  readNewAddress: { cmd: 0x30, para: 0x03 },
  /** 读固定信息: 文字 + 相片 + 指纹 */
  readWithFingerprint: { cmd: 0x30, para: 0x10 },
} as const;
export type CommandName = keyof typeof Command;

export type StatusCategory = 'ok' | 'no_card' | 'card' | 'terminal' | 'sam' | 'empty';

export interface StatusWord {
  sw3: number;
  name: string;
  /** Wording of the standard's status table. */
  meaning: string;
  category: StatusCategory;
}

const table: StatusWord[] = [
  { sw3: 0x90, name: 'success', meaning: '操作成功', category: 'ok' },
  { sw3: 0x9f, name: 'find_ok', meaning: '寻找证/卡成功 (Data = 卡的 IIN)', category: 'ok' },
  { sw3: 0x10, name: 'checksum_error', meaning: '接收业务终端数据的校验和错', category: 'terminal' },
  { sw3: 0x11, name: 'length_error', meaning: '接收业务终端数据的长度错', category: 'terminal' },
  { sw3: 0x21, name: 'command_error', meaning: '接收业务终端的命令错误 (含数值或逻辑搭配错误)', category: 'terminal' },
  { sw3: 0x23, name: 'unauthorised', meaning: '越权操作', category: 'terminal' },
  { sw3: 0x24, name: 'unrecognised_error', meaning: '无法识别的错误', category: 'sam' },
  { sw3: 0x31, name: 'card_auth_failed', meaning: '证/卡认证 SAM 失败', category: 'card' },
  { sw3: 0x32, name: 'sam_auth_failed', meaning: 'SAM 认证证/卡失败', category: 'card' },
  { sw3: 0x33, name: 'info_verify_failed', meaning: '信息验证失败', category: 'card' },
  { sw3: 0x40, name: 'operation_failed', meaning: '无法识别的卡类型 / 操作失败', category: 'card' },
  { sw3: 0x41, name: 'read_failed', meaning: '读证/卡操作失败', category: 'card' },
  { sw3: 0x47, name: 'random_failed', meaning: '取随机数失败 (SAM 自检)', category: 'sam' },
  { sw3: 0x60, name: 'self_check_failed', meaning: 'SAM 自检失败, 不能接收命令', category: 'sam' },
  { sw3: 0x66, name: 'not_authorised', meaning: 'SAM 未经授权, 无法使用', category: 'sam' },
  { sw3: 0x80, name: 'find_failed', meaning: '寻找证/卡失败', category: 'no_card' },
  { sw3: 0x81, name: 'select_failed', meaning: '选取证/卡失败', category: 'no_card' },
  { sw3: 0x91, name: 'no_content', meaning: '证/卡中此项无内容', category: 'empty' },
];

export const STATUS_WORDS: ReadonlyMap<number, StatusWord> = new Map(table.map((s) => [s.sw3, s]));

export function describeStatus(sw3: number): StatusWord {
  return (
    STATUS_WORDS.get(sw3) ?? {
      sw3,
      name: `unknown_0x${sw3.toString(16).padStart(2, '0')}`,
      meaning: 'status word not in GA/T 467',
      category: 'sam',
    }
  );
}

/** A SAM answered with a status other than the one the command succeeds with. */
export class SamStatusError extends Error {
  readonly status: StatusWord;
  constructor(
    readonly command: CommandName,
    sw3: number,
  ) {
    const status = describeStatus(sw3);
    super(`${command}: SAM status 0x${sw3.toString(16).padStart(2, '0')} ${status.name} (${status.meaning})`);
    this.name = 'SamStatusError';
    this.status = status;
  }
}

export class SamTimeoutError extends Error {
  constructor(readonly command: CommandName, timeoutMs: number) {
    super(`${command}: no complete response within ${timeoutMs} ms`);
    this.name = 'SamTimeoutError';
  }
}

/** Layout of the data of a read response (0x30 01 / 0x30 10): big-endian lengths, then the blocks. */
export interface ReadPayload {
  text: Buffer;
  photo: Buffer;
  fingerprint?: Buffer;
}

export function decodeReadPayload(data: Buffer, withFingerprint: boolean): ReadPayload {
  const head = withFingerprint ? 6 : 4;
  if (data.length < head) throw new Error(`read payload too short: ${data.length} bytes`);
  const textLen = data.readUInt16BE(0);
  const photoLen = data.readUInt16BE(2);
  const fpLen = withFingerprint ? data.readUInt16BE(4) : 0;
  if (head + textLen + photoLen + fpLen !== data.length) {
    throw new Error(`read payload lengths ${textLen}+${photoLen}+${fpLen} do not match ${data.length - head} bytes`);
  }
  const text = data.subarray(head, head + textLen);
  const photo = data.subarray(head + textLen, head + textLen + photoLen);
  const out: ReadPayload = { text, photo };
  if (withFingerprint) out.fingerprint = data.subarray(head + textLen + photoLen);
  return out;
}

export function encodeReadPayload(p: ReadPayload): Buffer {
  const head = Buffer.alloc(p.fingerprint ? 6 : 4);
  head.writeUInt16BE(p.text.length, 0);
  head.writeUInt16BE(p.photo.length, 2);
  if (p.fingerprint) head.writeUInt16BE(p.fingerprint.length, 4);
  return Buffer.concat([head, p.text, p.photo, ...(p.fingerprint ? [p.fingerprint] : [])]);
}
