import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RecordingAlarm } from '@evalroom/contracts';
import { readJournal } from '../../src/recording/journal';
import type { SegmentEntry } from '@evalroom/contracts';

export async function tempDir(prefix: string): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), `evalroom-${prefix}-`));
}

export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 30_000, everyMs = 100): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function segmentsOf(dir: string): Promise<SegmentEntry[]> {
  const j = await readJournal(dir);
  return j.lines.filter((l): l is SegmentEntry => l.kind === 'segment');
}

export function alarmSink(): { alarms: RecordingAlarm[]; onAlarm: (a: RecordingAlarm) => void } {
  const alarms: RecordingAlarm[] = [];
  return { alarms, onAlarm: (a) => alarms.push(a) };
}
