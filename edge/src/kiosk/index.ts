export { startKiosk, type KioskOptions, type KioskFeedItem } from './kiosk';
export { KioskFeed, type FeedEntry } from './feed';
export { todaySessions, type KioskSession } from './sessions';
export { OUTCOME_TEXT, type OutcomeText } from './texts';
