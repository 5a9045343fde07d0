/** Pushes of the provincial coordination platform interfaces (LS5.5). */
export const PLATFORM_EVENTS = {
  /** 5.5.2 场地信息变更: a booking of a venue changed. */
  venueChanged: 'venue.changed',
  /** 5.5.3 场地使用情况推送 (periodic). */
  venueUsage: 'venue.usage',
  /** 5.5.4 信息主动推送: completed projects' venues and workstations. */
  projectCompleted: 'project.completed',
  /** 5.5.7 评标评审结果推送: after every lot finished. */
  resultPushed: 'evaluation.result',
  /** 5.5.8 专家签到信息推送. */
  signin: 'expert.signin',
} as const;
export type PlatformEvent = (typeof PLATFORM_EVENTS)[keyof typeof PLATFORM_EVENTS];
export const PLATFORM_EVENT_NAMES = Object.values(PLATFORM_EVENTS) as [PlatformEvent, ...PlatformEvent[]];
