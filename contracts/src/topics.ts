import { TopicId } from './common';

/**
 * Every MQTT topic is built and parsed here and nowhere else.
 *
 * Room broker (one per room, on the appliance):
 *   room/dev/{deviceId}/state      retained; doubles as the device's Last Will
 *   room/dev/{deviceId}/event      device → appliance, sequence-numbered
 *   room/dev/{deviceId}/request    appliance → device, {transaction, command, params}
 *   room/dev/{deviceId}/response   device → appliance, {transaction, status, data | error}
 *   room/appliance/state           retained snapshot of the appliance (sessions, check-ins)
 *   room/appliance/event           appliance → room (kiosk, Node-RED): check-in outcomes, alarms
 *   room/appliance/request         kiosk / Node-RED → appliance, validated commands (never straight to a device)
 *   room/appliance/response        appliance → caller, {transaction, status, data | error}
 *
 * Cloud broker (all appliances):
 *   evalroom/v1/appliances/{applianceId}/desired    cloud → edge, retained, versioned
 *   evalroom/v1/appliances/{applianceId}/reported   edge → cloud, retained; Last Will = offline
 *   evalroom/v1/appliances/{applianceId}/events     edge → cloud, QoS 1, idempotent event ids
 *   evalroom/v1/appliances/{applianceId}/acks       cloud → edge, event ids committed by the cloud
 *   evalroom/v1/appliances/{applianceId}/telemetry  edge → cloud, batched samples
 */
export type DeviceChannel = 'state' | 'event' | 'request' | 'response';
export type ApplianceChannel = 'desired' | 'reported' | 'events' | 'acks' | 'telemetry';

const id = (value: string): string => TopicId.parse(value);

export const roomTopics = {
  device: (deviceId: string, channel: DeviceChannel) => `room/dev/${id(deviceId)}/${channel}`,
  deviceWildcard: (channel: DeviceChannel) => `room/dev/+/${channel}`,
  applianceState: 'room/appliance/state',
  applianceEvent: 'room/appliance/event',
  applianceRequest: 'room/appliance/request',
  applianceResponse: 'room/appliance/response',
} as const;

export function parseDeviceTopic(topic: string): { deviceId: string; channel: DeviceChannel } | undefined {
  const m = /^room\/dev\/([^/]+)\/(state|event|request|response)$/.exec(topic);
  if (!m || !TopicId.safeParse(m[1]).success) return undefined;
  return { deviceId: m[1]!, channel: m[2] as DeviceChannel };
}

export const CLOUD_TOPIC_ROOT = 'evalroom/v1/appliances';

export const cloudTopics = {
  appliance: (applianceId: string, channel: ApplianceChannel) => `${CLOUD_TOPIC_ROOT}/${id(applianceId)}/${channel}`,
  wildcard: (channel: ApplianceChannel) => `${CLOUD_TOPIC_ROOT}/+/${channel}`,
  /** Shared subscription so several cloud replicas split the stream (MQTT 5 / EMQX, Mosquitto ≥ 2). */
  shared: (group: string, channel: ApplianceChannel) => `$share/${id(group)}/${CLOUD_TOPIC_ROOT}/+/${channel}`,
} as const;

export function parseCloudTopic(topic: string): { applianceId: string; channel: ApplianceChannel } | undefined {
  const m = /^evalroom\/v1\/appliances\/([^/]+)\/(desired|reported|events|acks|telemetry)$/.exec(topic);
  if (!m || !TopicId.safeParse(m[1]).success) return undefined;
  return { applianceId: m[1]!, channel: m[2] as ApplianceChannel };
}
