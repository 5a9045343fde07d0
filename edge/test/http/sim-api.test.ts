import { IdCard } from '@evalroom/contracts';
import { probeImage } from '@evalroom/device-drivers';
import { cardFromPhoto } from '../../src/http/sim-api';

describe('sim API card builder', () => {
  it('builds a valid resident card whose chip photo is a 102×126 JPEG of the given face', async () => {
    const card = await cardFromPhoto({ faceImagePath: '/work/shared/faces/obama/obama_a.jpg', name: '测试', sex: 'male', birthDate: '19610804' });
    expect(IdCard.safeParse(card).success).toBe(true);
    expect(probeImage(Buffer.from(card.photo.data, 'base64'))).toEqual({ format: 'jpeg', width: 102, height: 126 });
    expect(card.idNumber).toMatch(/^11010119610804\d{3}[\dX]$/);
  });

  it('refuses a path that is not an image', async () => {
    await expect(cardFromPhoto({ faceImagePath: '/etc/hostname', name: 'x', sex: 'male', birthDate: '19610804' })).rejects.toThrow(/not a usable image/);
  });
});
