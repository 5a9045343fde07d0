import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

/** Messages received on a client, with a waiter. */
export class Inbox {
  readonly messages: { topic: string; payload: Buffer; retain: boolean }[] = [];
  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => this.messages.push({ topic, payload, retain: packet.retain }));
  }
  json<T>(topic: string): T[] {
    return this.messages.filter((m) => m.topic === topic).map((m) => JSON.parse(m.payload.toString()) as T);
  }
  async waitFor<T>(topic: string, pred: (m: T) => boolean, ms = 5000): Promise<T> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const hit = this.json<T>(topic).find(pred);
      if (hit) return hit;
      await sleep(25);
    }
    throw new Error(`no matching message on ${topic} within ${ms} ms (got ${this.json(topic).length})`);
  }
}

export async function mqttClient(url: string, opts: IClientOptions = {}): Promise<{ client: MqttClient; inbox: Inbox }> {
  const client = await connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  return { client, inbox: new Inbox(client) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until fn returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(50);
  }
}
