import type { TabletPort } from '../../src/ports';
import { nextEvent, waitFor } from '../helpers/wait';

export interface TabletHarness {
  port: TabletPort;
  press(button: 'help' | 'call_staff'): Promise<void>;
  shownMessages(): Array<{ title: string; body: string }>;
  dispose(): Promise<void>;
}

const PNG = '89504e470d0a1a0a';

export function describeTabletContract(name: string, makeSubject: () => Promise<TabletHarness>): void {
  describe(`TabletPort contract: ${name}`, () => {
    let h: TabletHarness;
    beforeEach(async () => {
      h = await makeSubject();
      await h.port.start();
      await waitFor(() => h.port.health().present, 3000, 'tablet present');
    });
    afterEach(async () => {
      await h.port.stop();
      await h.dispose();
    });

    it('captures a face image with its size', async () => {
      const face = await h.port.captureFace(5000);
      expect(['png', 'jpeg']).toContain(face.format);
      expect(face.width).toBeGreaterThan(0);
      expect(face.height).toBeGreaterThan(0);
      if (face.format === 'png') expect(face.image.subarray(0, 8).toString('hex')).toBe(PNG);
    });

    it('captures a handwritten signature as PNG plus stroke data', async () => {
      const sig = await h.port.captureSignature('请签名确认评标结果', 5000);
      expect(sig.format).toBe('png');
      expect(sig.image.subarray(0, 8).toString('hex')).toBe(PNG);
      expect(sig.strokes.length).toBeGreaterThan(0);
      for (const stroke of sig.strokes) for (const pt of stroke) expect(pt).toHaveLength(3);
    });

    it('displays a message and reports button presses', async () => {
      await h.port.showMessage('签到成功', '请在 3 号工位就座');
      expect(h.shownMessages().at(-1)).toMatchObject({ title: '签到成功', body: '请在 3 号工位就座' });
      const pressed = nextEvent<['help' | 'call_staff']>(h.port, 'button');
      await h.press('call_staff');
      expect((await pressed)[0]).toBe('call_staff');
    });
  });
}
