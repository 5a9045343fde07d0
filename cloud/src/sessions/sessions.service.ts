import { BadRequestException, ForbiddenException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { idNumberHash, type CreateSessionBody, type RosterView, type SessionView, type SigninView } from '@evalroom/contracts';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import { canSeeVenue, supervisesSession } from '../auth/scope';
import { PiiCipher } from '../crypto/pii-cipher';
import { DirectoryService } from '../directory/directory.service';
import { isForeignKeyViolation } from '../http/errors';
import { DesiredStateService } from './desired-state.service';
import { SessionsRepository, type RosterRow, type SessionRow } from './sessions.repository';
import { identityPolicy, type IdentityPolicy } from './sealing';

/** A row of the session list (`GET /v1/sessions`). */
export type SessionSummary = Omit<SessionView, 'assignments' | 'checkInOpensAt' | 'checkInClosesAt'>;

export interface SessionRecords {
  rejections: { checkinId: string; expertRef: string | null; applianceId: string; roomId: string; outcome: string; reason: string; at: string }[];
  incidents: { eventId: string; applianceId: string; roomId: string; description: string; handling: string; staffId: string; at: string }[];
}

/** Sessions with sealed rosters: creation, the per-role views and sign-ins. */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger('Sessions');

  constructor(
    @Inject(SessionsRepository) private readonly repo: SessionsRepository,
    @Inject(DirectoryService) private readonly directory: DirectoryService,
    @Inject(PiiCipher) private readonly cipher: PiiCipher,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(DesiredStateService) private readonly desired: DesiredStateService,
  ) {}

  async create(body: CreateSessionBody, caller: Caller): Promise<{ sessionId: string }> {
    const roomIds = body.assignments.map((a) => a.roomId);
    const rooms = await this.directory.findRooms(roomIds);
    const missing = roomIds.filter((id) => !rooms.some((r) => r.id === id));
    if (missing.length) throw new BadRequestException(`invalid request: assignments: unknown room ${missing.join(', ')}`);
    const main = await this.directory.findVenue(body.mainVenueId);
    if (!main) throw new BadRequestException(`invalid request: mainVenueId: unknown venue ${body.mainVenueId}`);
    if (caller.role === 'central_ops' && !canSeeVenue(caller, main) && (caller.jurisdiction || caller.venueIds.length))
      throw new ForbiddenException('main venue outside your jurisdiction');

    const sessionId = `S-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(5).toString('hex')}`;
    const idHashKey = randomBytes(32).toString('base64');
    const startsAt = new Date(body.startsAt);
    const roster = body.assignments.flatMap((a) =>
      a.experts.map((e) => ({
        expertRef: `x-${randomBytes(8).toString('hex')}`,
        roomId: a.roomId,
        role: e.role,
        workstation: e.workstation ?? null,
        idHash: idNumberHash(e.idNumber, idHashKey),
        // the session id is the AAD: a ciphertext copied into another session does not open
        nameEnc: this.cipher.seal(e.name, sessionId),
        idNumberEnc: this.cipher.seal(e.idNumber.toUpperCase(), sessionId),
      })),
    );
    try {
      await this.repo.insert(
        {
          id: sessionId,
          projectCode: body.projectCode,
          projectName: body.projectName,
          lots: body.lots,
          mainVenueId: body.mainVenueId,
          supervisingDepartment: body.supervisingDepartment ?? null,
          startsAt,
          endsAt: new Date(body.endsAt),
          checkInOpensAt: body.checkInOpensAt ? new Date(body.checkInOpensAt) : new Date(startsAt.getTime() - 60 * 60_000),
          checkInClosesAt: body.checkInClosesAt ? new Date(body.checkInClosesAt) : new Date(body.endsAt),
          idHashKey,
        },
        roster,
      );
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new BadRequestException('invalid request: refers to an unknown venue or room');
      throw err;
    }
    await this.audit.record(caller, 'session.create', `session:${sessionId}`, { rooms: roomIds, rosterSize: roster.length });
    await this.desired.publishForRooms(roomIds);
    return { sessionId };
  }

  async view(id: string, caller: Caller, now = new Date()): Promise<SessionView> {
    const s = await this.visibleSession(id, caller);
    const roster = await this.repo.roster(id);
    const admitted = await this.admittedKeys(id);
    const policy = identityPolicy(caller, s, now);
    const byRoom = new Map<string, RosterView[]>();
    const decrypted: string[] = [];
    for (const e of roster) {
      if (!policy.roomVisible(e)) continue;
      const isAdmitted = admitted.has(`${e.expertRef}|${e.roomId}`);
      if (!policy.entryVisible(e, isAdmitted)) continue;
      const view: RosterView = { expertRef: e.expertRef, role: e.role, workstation: e.workstation, roomId: e.roomId, admitted: isAdmitted };
      if (policy.identityVisible(e, isAdmitted)) {
        view.identity = { name: this.cipher.open(e.nameEnc, id), idNumber: this.cipher.open(e.idNumberEnc, id) };
        decrypted.push(e.expertRef);
      }
      byRoom.set(e.roomId, [...(byRoom.get(e.roomId) ?? []), view]);
    }
    if (decrypted.length) await this.audit.record(caller, 'identity.decrypt', `session:${id}`, { expertRefs: decrypted, purpose: 'session view' });
    return {
      ...summaryOf(s, policy.sealed, roster.length),
      checkInOpensAt: iso(s.checkInOpensAt),
      checkInClosesAt: iso(s.checkInClosesAt),
      ...(policy.assignmentsVisible || byRoom.size ? { assignments: [...byRoom].map(([roomId, r]) => ({ roomId, roster: r })) } : {}),
    };
  }

  async signins(id: string, caller: Caller, now = new Date()): Promise<SigninView[]> {
    const s = await this.visibleSession(id, caller);
    const roster = new Map((await this.repo.roster(id)).map((e) => [e.expertRef, e]));
    const policy = identityPolicy(caller, s, now);
    const out: SigninView[] = [];
    const decrypted: string[] = [];
    for (const x of await this.repo.signins(id)) {
      const entry = roster.get(x.expertRef);
      if (!entry || !policy.roomVisible(entry)) continue;
      const view: SigninView = {
        checkinId: x.checkinId,
        sessionId: x.sessionId,
        expertRef: x.expertRef,
        roomId: x.roomId,
        applianceId: x.applianceId,
        workstation: x.workstation,
        arrivedAt: iso(x.arrivedAt),
        method: x.method,
      };
      if (policy.identityVisible(entry, true)) {
        view.name = this.cipher.open(entry.nameEnc, id);
        decrypted.push(entry.expertRef);
      }
      out.push(view);
    }
    if (decrypted.length) await this.audit.record(caller, 'identity.decrypt', `session:${id}`, { expertRefs: decrypted, purpose: 'sign-in list' });
    return out;
  }

  /**
   * The sessions the caller may open with `view` (same access rule), newest first, without
   * assignments or identities: `sealed` comes from the same identity policy as the view.
   */
  async list(caller: Caller, opts: { limit?: number } = {}, now = new Date()): Promise<SessionSummary[]> {
    if (caller.role === 'supervisor' && !caller.department) return [];
    const rows = await this.repo.list({ department: caller.role === 'supervisor' ? caller.department : undefined, limit: opts.limit ?? 200 });
    const out: SessionSummary[] = [];
    for (const s of rows) {
      if (!(await this.mayAccess(s, caller))) continue;
      out.push(summaryOf(s, identityPolicy(caller, s, now).sealed, Number(s.rosterSize)));
    }
    return out;
  }

  /**
   * Check-in rejections and incidents of a session, limited to the rooms the caller may see
   * under the identity policy (so sealed rooms stay sealed). Carry expertRefs, never identities.
   */
  async records(id: string, caller: Caller, now = new Date()): Promise<SessionRecords> {
    const s = await this.visibleSession(id, caller);
    const policy = identityPolicy(caller, s, now);
    const { rejections, incidents } = await this.repo.records(id);
    return {
      rejections: rejections
        .filter((x) => policy.roomVisible(x))
        .map((x) => ({ checkinId: x.checkinId, expertRef: x.expertRef, applianceId: x.applianceId, roomId: x.roomId, outcome: x.outcome, reason: x.reason, at: iso(x.at) })),
      incidents: incidents
        .filter((x) => policy.roomVisible(x))
        .map((x) => ({ eventId: x.eventId, applianceId: x.applianceId, roomId: x.roomId, description: x.description, handling: x.handling, staffId: x.staffId, at: iso(x.at) })),
    };
  }

  /**
   * The one rule for every session-scoped read elsewhere (footage, records): 404 unless the
   * caller may see the session, so no module re-implements who sees what.
   */
  async requireVisible(id: string, caller: Caller): Promise<void> {
    await this.visibleSession(id, caller);
  }

  /** An appliance may hand over footage only of sessions held in its room. */
  heldByAppliance(sessionId: string, applianceId: string): Promise<boolean> {
    return this.repo.heldByAppliance(sessionId, applianceId);
  }

  async isVisible(id: string, caller: Caller): Promise<boolean> {
    const s = await this.repo.find(id);
    return s !== undefined && (await this.mayAccess(s, caller));
  }

  /** 404 for sessions the caller may not know about (no existence oracle). */
  private async visibleSession(id: string, caller: Caller): Promise<SessionRow> {
    const s = await this.repo.find(id);
    if (!s) throw new NotFoundException(`no session ${id}`);
    if (!(await this.mayAccess(s, caller))) throw new NotFoundException(`no session ${id}`);
    return s;
  }

  private async mayAccess(s: SessionRow, caller: Caller): Promise<boolean> {
    switch (caller.role) {
      case 'admin':
        return true;
      case 'supervisor':
        return supervisesSession(caller, s);
      case 'central_ops':
      case 'venue_staff': {
        if (caller.role === 'central_ops' && !caller.jurisdiction && caller.venueIds.length === 0) return true;
        const main = await this.directory.findVenue(s.mainVenueId);
        if (main && canSeeVenue(caller, main)) return true;
        const roster = await this.repo.roster(s.id);
        return roster.some((e: RosterRow) => canSeeVenue(caller, { id: e.venueId, regionCode: e.regionCode }));
      }
      default:
        return false;
    }
  }

  private async admittedKeys(sessionId: string): Promise<Set<string>> {
    return new Set((await this.repo.signins(sessionId)).map((x) => `${x.expertRef}|${x.roomId}`));
  }
}

export type { IdentityPolicy };
const iso = (d: Date | string) => new Date(d).toISOString();

/** What every caller who may see a session sees of it, in the list and in the detailed view alike. */
function summaryOf(s: SessionRow, sealed: boolean, rosterSize: number): SessionSummary {
  return {
    sessionId: s.id,
    projectCode: s.projectCode,
    projectName: s.projectName,
    lots: s.lots,
    mainVenueId: s.mainVenueId,
    supervisingDepartment: s.supervisingDepartment,
    status: s.status,
    startsAt: iso(s.startsAt),
    endsAt: iso(s.endsAt),
    sealed,
    rosterSize,
  };
}
