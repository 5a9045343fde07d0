import { existsSync, readFileSync } from 'node:fs';
import { DesiredState, parsePayload } from '@evalroom/contracts';
import type { Logger } from '../app/logger';
import { atomicWriteFileSync } from '../store/atomic';

/** The last good desired state, cached on disk so the room works while the cloud is away. */
export class DesiredStore {
  private current: DesiredState | undefined;

  constructor(
    private readonly file: string,
    private readonly applianceId: string,
    private readonly logger: Logger,
  ) {}

  load(): DesiredState | undefined {
    if (!existsSync(this.file)) return undefined;
    const parsed = parsePayload(DesiredState, readFileSync(this.file));
    if (!parsed.ok) {
      this.logger.error('cached desired state is invalid; ignored', { file: this.file, reason: parsed.reason });
      return undefined;
    }
    if (parsed.value.applianceId !== this.applianceId) {
      this.logger.error('cached desired state belongs to another appliance; ignored', { applianceId: parsed.value.applianceId });
      return undefined;
    }
    this.current = parsed.value;
    return this.current;
  }

  get(): DesiredState | undefined {
    return this.current;
  }

  /**
   * Accepts a validated document if it is for this appliance and newer than the one applied.
   * Returns the reason when it is not taken.
   */
  offer(doc: DesiredState): { applied: true } | { applied: false; reason: string } {
    if (doc.applianceId !== this.applianceId) return { applied: false, reason: `desired state for ${doc.applianceId}, not this appliance` };
    if (this.current && doc.version < this.current.version)
      return { applied: false, reason: `version ${doc.version} is older than applied ${this.current.version}` };
    if (this.current && doc.version === this.current.version) return { applied: false, reason: `version ${doc.version} already applied` };
    atomicWriteFileSync(this.file, JSON.stringify(doc), 0o600);
    this.current = doc;
    return { applied: true };
  }
}
