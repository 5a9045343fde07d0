import type { BrokerRole } from '../config/secrets';

/**
 * Room-broker ACL, deny by default. Pure functions so the rules are tested without a broker.
 *   device X           publish room/dev/X/{state,event,response}; subscribe room/dev/X/request
 *   appliance          anything under room/
 *   kiosk, nodered     subscribe room/appliance/{event,state,response}, room/dev/{+|id}/{state,event};
 *                      publish room/appliance/request only
 */
export interface Identity {
  username: string;
  role: BrokerRole;
}

const DEVICE_ID = '[A-Za-z0-9][A-Za-z0-9_.-]{0,63}';
const OBSERVER_SUBSCRIBE = new RegExp(`^room/(appliance/(event|state|response)|dev/(\\+|${DEVICE_ID})/(state|event))$`);

const noWildcards = (topic: string): boolean => !/[+#]/.test(topic);

export function canPublish(who: Identity, topic: string): boolean {
  if (!noWildcards(topic)) return false;
  switch (who.role) {
    case 'appliance':
      return topic.startsWith('room/');
    case 'device':
      return ['state', 'event', 'response'].some((c) => topic === `room/dev/${who.username}/${c}`);
    case 'kiosk':
    case 'nodered':
      return topic === 'room/appliance/request';
  }
}

export function canSubscribe(who: Identity, filter: string): boolean {
  switch (who.role) {
    case 'appliance':
      return filter.startsWith('room/');
    case 'device':
      return filter === `room/dev/${who.username}/request`;
    case 'kiosk':
    case 'nodered':
      return OBSERVER_SUBSCRIBE.test(filter);
  }
}
