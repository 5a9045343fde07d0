import {
  DesiredState,
  IdCard,
  cloudTopics,
  idNumberHash,
  isValidResidentIdNumber,
  parseCloudTopic,
  parseDeviceTopic,
  parsePayload,
  residentIdCheckDigit,
  roomTopics,
} from '@evalroom/contracts';

describe('resident ID numbers (GB 11643)', () => {
  it('computes the check digit, including X', () => {
    expect(residentIdCheckDigit('11010519491231002')).toBe('X');
    expect(isValidResidentIdNumber('11010519491231002X')).toBe(true);
    expect(isValidResidentIdNumber('110105194912310021')).toBe(false);
    expect(isValidResidentIdNumber('11010519491231002x')).toBe(false);
  });
});

describe('topics', () => {
  it('builds and parses device and appliance topics', () => {
    expect(roomTopics.device('gate-1', 'request')).toBe('room/dev/gate-1/request');
    expect(parseDeviceTopic('room/dev/gate-1/event')).toEqual({ deviceId: 'gate-1', channel: 'event' });
    expect(parseCloudTopic(cloudTopics.appliance('box-7', 'events'))).toEqual({ applianceId: 'box-7', channel: 'events' });
  });
  it('refuses ids that would inject wildcards or levels', () => {
    expect(() => roomTopics.device('a/b', 'state')).toThrow();
    expect(() => cloudTopics.appliance('#', 'desired')).toThrow();
    expect(parseDeviceTopic('room/dev/+/event')).toBeUndefined();
  });
});

describe('payload validation', () => {
  it('reports why a payload is refused and never throws', () => {
    const notJson = parsePayload(DesiredState, Buffer.from('{oops'));
    expect(notJson.ok).toBe(false);
    const wrong = parsePayload(DesiredState, JSON.stringify({ v: 1, applianceId: 'x' }));
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.reason).toMatch(/roomId/);
  });
  it('rejects a resident card whose ID number fails its check digit', () => {
    const card = {
      cardType: 'resident', name: '张三', sex: 'male', birthDate: '19491231', idNumber: '110105194912310021',
      validFrom: '20200101', validTo: '20400101', photo: { format: 'bmp', data: 'Qk0=' },
    };
    expect(IdCard.safeParse(card).success).toBe(false);
    expect(IdCard.safeParse({ ...card, idNumber: '11010519491231002X' }).success).toBe(true);
  });
  it('hashes ID numbers with the session key, case-insensitively', () => {
    const key = Buffer.alloc(16, 7).toString('base64');
    expect(idNumberHash('11010519491231002x', key)).toBe(idNumberHash('11010519491231002X', key));
    expect(idNumberHash('11010519491231002X', key)).not.toBe(idNumberHash('11010519491231002X', Buffer.alloc(16, 8).toString('base64')));
  });
});
