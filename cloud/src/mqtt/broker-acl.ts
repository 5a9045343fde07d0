import { parseCloudTopic } from '@evalroom/contracts';

/** Who a broker client is, once authenticated. */
export type BrokerPrincipal = { kind: 'service' } | { kind: 'appliance'; applianceId: string };

/** An appliance publishes only its own reported/events/telemetry. */
export function mayPublish(who: BrokerPrincipal, topic: string): boolean {
  if (who.kind === 'service') return true;
  const t = parseCloudTopic(topic);
  return !!t && t.applianceId === who.applianceId && (t.channel === 'reported' || t.channel === 'events' || t.channel === 'telemetry');
}

/** An appliance subscribes only to its own desired/acks (no wildcards). */
export function maySubscribe(who: BrokerPrincipal, topicFilter: string): boolean {
  if (who.kind === 'service') return true;
  if (/[#+]/.test(topicFilter)) return false;
  const t = parseCloudTopic(topicFilter);
  return !!t && t.applianceId === who.applianceId && (t.channel === 'desired' || t.channel === 'acks');
}
