import type { ApplianceEvent, CheckinOutcome } from '@evalroom/contracts';
import { OUTCOME_TEXT, type OutcomeText } from './texts';

/** One line of the kiosk's live feed. Names stay in memory only, bounded by `max` entries. */
export interface FeedEntry {
  /** checkinId for check-ins, eventId otherwise. */
  id: string;
  /** Feed version of the last change to this entry. */
  rev: number;
  at: string;
  kind: 'checkin' | 'alarm' | 'incident';
  checkinId?: string;
  sessionId?: string;
  outcome?: CheckinOutcome;
  workstation?: string;
  /** The name on the card as the reader read it at the door (never the id number or photo). */
  name?: string;
  /** Phone locker slot the appliance gave this admission (locker.assigned). */
  lockerSlot?: number;
  /** The slot was emptied again (locker.released: the expert's card on the way out, or staff). */
  lockerReleased?: { by: 'card' | 'staff'; at: string };
  /** The appliance's technical reason (rejections), the alarm message, or the incident text. */
  detail?: string;
  text: OutcomeText;
  /** Set on a rejection once staff admitted it. */
  overriddenBy?: { staffId: string; at: string };
  /** Staff who decided (override admissions, incidents). */
  staffId?: string;
}

export interface FeedOptions {
  max?: number;
  /** How long a card read waits for its outcome before its name is forgotten. */
  cardTtlMs?: number;
  now?: () => Date;
}

const ALARM_TEXT: OutcomeText = { zh: '告警', en: 'Alarm', actionZh: '请到门口查看并在需要时记录事件', actionEn: 'Check the door; record an incident if needed', tone: 'stop' };
const ALARM_NAMES: Record<string, [string, string]> = {
  'door.forced': ['门被强行打开', 'Door forced open'],
  'door.held_open': ['门长时间未关', 'Door held open'],
};
const INCIDENT_TEXT: OutcomeText = { zh: '事件已记录', en: 'Incident recorded', actionZh: '已进入待上报队列', actionEn: 'Queued for the cloud', tone: 'warn' };

/**
 * The kiosk's view of what happened at the door, built from the appliance's own events
 * (room/appliance/event) plus the name from the reader's card.read, which the event does not
 * carry: the door checks one card at a time, so an outcome belongs to the latest unclaimed read.
 */
export class KioskFeed {
  private readonly entries: FeedEntry[] = [];
  private readonly seen = new Set<string>();
  private readonly seenOrder: string[] = [];
  private lastCard: { name: string; at: number } | undefined;
  private waiters = new Set<() => void>();
  private ver = 0;
  private readonly max: number;
  private readonly cardTtlMs: number;
  private readonly now: () => Date;

  constructor(opts: FeedOptions = {}) {
    this.max = opts.max ?? 100;
    this.cardTtlMs = opts.cardTtlMs ?? 60_000;
    this.now = opts.now ?? (() => new Date());
  }

  get version(): number {
    return this.ver;
  }

  cardRead(name: string): void {
    this.lastCard = { name, at: this.now().getTime() };
  }

  /** Applies one validated appliance event; repeated deliveries (same eventId) change nothing. */
  event(ev: ApplianceEvent): void {
    if (this.seen.has(ev.eventId)) return;
    this.remember(ev.eventId);
    switch (ev.type) {
      case 'checkin.rejected': {
        const d = ev.data;
        this.add({
          id: d.checkinId,
          at: ev.ts,
          kind: 'checkin',
          checkinId: d.checkinId,
          ...(d.sessionId ? { sessionId: d.sessionId } : {}),
          outcome: d.outcome,
          ...this.claimName(),
          detail: d.reason,
          text: OUTCOME_TEXT[d.outcome],
        });
        return;
      }
      case 'checkin.admitted': {
        const d = ev.data;
        const byStaff = d.method === 'staff_override';
        const rejected = this.entries.find((e) => e.kind === 'checkin' && e.checkinId === d.checkinId && e.outcome !== 'admitted' && e.outcome !== 'admitted_by_staff');
        const name = byStaff ? (rejected?.name !== undefined ? { name: rejected.name } : {}) : this.claimName();
        if (rejected && byStaff) {
          rejected.overriddenBy = { staffId: d.override?.staffId ?? '', at: d.arrivedAt };
          rejected.rev = this.bump();
        }
        const outcome: CheckinOutcome = byStaff ? 'admitted_by_staff' : 'admitted';
        this.add({
          id: byStaff ? `${d.checkinId}/override` : d.checkinId,
          at: d.arrivedAt,
          kind: 'checkin',
          checkinId: d.checkinId,
          sessionId: d.sessionId,
          outcome,
          ...(d.workstation ? { workstation: d.workstation } : {}),
          ...name,
          ...(byStaff && d.override ? { staffId: d.override.staffId, detail: d.override.reason } : {}),
          text: OUTCOME_TEXT[outcome],
        });
        return;
      }
      case 'alarm.raised': {
        const [zh, en] = ALARM_NAMES[ev.data.alarm] ?? [ev.data.alarm, ev.data.alarm];
        this.add({ id: ev.eventId, at: ev.ts, kind: 'alarm', detail: `${ev.data.source}: ${ev.data.message}`, text: { ...ALARM_TEXT, zh: `告警：${zh}`, en: `Alarm: ${en}` } });
        return;
      }
      case 'incident.recorded':
        this.add({
          id: ev.eventId,
          at: ev.ts,
          kind: 'incident',
          ...(ev.data.sessionId ? { sessionId: ev.data.sessionId } : {}),
          staffId: ev.data.staffId,
          detail: ev.data.description,
          text: INCIDENT_TEXT,
        });
        return;
      case 'locker.assigned':
        this.setLocker(ev.data.checkinId, ev.data.lockerSlot);
        return;
      case 'locker.released': {
        const e = this.admission(ev.data.checkinId);
        if (!e) return;
        e.lockerReleased = { by: ev.data.by, at: ev.ts };
        e.rev = this.bump();
        return;
      }
      default:
        return; // gate.entry, alarm.cleared: the admission line already says it
    }
  }

  /** Records the locker slot handed to an admitted expert; false when no such admission is shown. */
  setLocker(checkinId: string, slot: number): boolean {
    const e = this.admission(checkinId);
    if (!e) return false;
    e.lockerSlot = slot;
    e.rev = this.bump();
    return true;
  }

  /** Newest first. */
  list(): FeedEntry[] {
    return this.entries.map((e) => ({ ...e })).reverse();
  }

  /** Resolves when the version passes `after`, after `timeoutMs`, or when the feed closes. */
  waitForChange(after: number, timeoutMs: number): Promise<void> {
    if (this.ver > after) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  close(): void {
    for (const w of [...this.waiters]) w();
  }

  private admission(checkinId: string): FeedEntry | undefined {
    return this.entries.find((x) => x.checkinId === checkinId && (x.outcome === 'admitted' || x.outcome === 'admitted_by_staff'));
  }

  private claimName(): { name?: string } {
    const c = this.lastCard;
    this.lastCard = undefined;
    if (!c || this.now().getTime() - c.at > this.cardTtlMs) return {};
    return { name: c.name };
  }

  private add(e: Omit<FeedEntry, 'rev'>): void {
    this.entries.push({ ...e, rev: this.bump() });
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  private remember(id: string): void {
    this.seen.add(id);
    this.seenOrder.push(id);
    if (this.seenOrder.length > 4 * this.max) this.seen.delete(this.seenOrder.shift()!);
  }

  private bump(): number {
    this.ver++;
    for (const w of [...this.waiters]) w();
    return this.ver;
  }
}
