/** Footage: segment index entries, evidence manifests, handover (archive upload) DTOs. Owned by recording. */
import { z } from 'zod';
import { Instant, TopicId } from './common';

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 hex');
/** A file name inside a camera folder: no separators, no traversal. */
const SafeName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'plain file name');

/**
 * One link of a camera's hash chain. `link = sha256(prevLink + "\n" + canonicalJson(entry without link))`;
 * the first entry of a camera chains from 64 zeros. Segments, gaps and deletions are all links, so
 * a missing, reordered or inserted fact breaks the chain.
 */
const ChainBase = {
  v: z.literal(1),
  camera: TopicId,
  /** 1, 2, 3 … per camera, without holes. */
  seq: z.number().int().positive(),
  prevLink: Sha256Hex,
  link: Sha256Hex,
  /** Session and lots active while this was recorded; null when the room was idle. */
  sessionId: z.string().min(1).max(128).nullable(),
  lotIds: z.array(z.string().min(1).max(128)).max(200),
};

export const SegmentEntry = z
  .object({
    ...ChainBase,
    kind: z.literal('segment'),
    /** Path relative to the recording directory, e.g. cam1/2026/11/21/cam1-20261121T083000123Z-000042.ts */
    file: z.string().min(1).max(400).regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9_./-]+$/, 'relative path'),
    start: Instant,
    end: Instant,
    durationMs: z.number().int().nonnegative(),
    size: z.number().int().nonnegative(),
    sha256: Sha256Hex,
    container: z.enum(['mpegts']),
    /** Found after a crash instead of being sealed by the muxer: playable up to where it stops. */
    recovered: z.boolean(),
  })
  .strict();
export type SegmentEntry = z.infer<typeof SegmentEntry>;

export const GapEntry = z
  .object({
    ...ChainBase,
    kind: z.literal('gap'),
    from: Instant,
    to: Instant,
    reason: z.string().min(1).max(300),
  })
  .strict();
export type GapEntry = z.infer<typeof GapEntry>;

export const DeletionEntry = z
  .object({
    ...ChainBase,
    kind: z.literal('deletion'),
    targetSeq: z.number().int().positive(),
    targetSha256: Sha256Hex,
    reason: z.string().min(1).max(300),
    at: Instant,
  })
  .strict();
export type DeletionEntry = z.infer<typeof DeletionEntry>;

export const ChainEntry = z.discriminatedUnion('kind', [SegmentEntry, GapEntry, DeletionEntry]);
export type ChainEntry = z.infer<typeof ChainEntry>;

/** A signed statement "camera X's chain had head `link` at `seq`". Ed25519 over canonicalJson(body). */
export const Checkpoint = z
  .object({
    v: z.literal(1),
    kind: z.literal('checkpoint'),
    applianceId: TopicId,
    camera: TopicId,
    seq: z.number().int().positive(),
    link: Sha256Hex,
    at: Instant,
    keyId: Sha256Hex,
    /** base64 Ed25519 signature; absent means stripped (always an error). */
    sig: z.string().max(200).optional(),
  })
  .strict();
export type Checkpoint = z.infer<typeof Checkpoint>;

/** Acknowledgement of a session handover, stored on the edge and in the archive. */
export const ArchiveReceipt = z
  .object({
    sessionId: z.string().min(1).max(128),
    applianceId: TopicId,
    bundleSha256: Sha256Hex,
    archiveId: z.string().min(1).max(128),
    receivedAt: Instant,
  })
  .strict();
export type ArchiveReceipt = z.infer<typeof ArchiveReceipt>;

export const AckRecord = z
  .object({ v: z.literal(1), kind: z.literal('ack'), receipt: ArchiveReceipt, at: Instant })
  .strict();
export type AckRecord = z.infer<typeof AckRecord>;

/** Any line of the edge's segment journal. */
export const JournalLine = z.union([ChainEntry, Checkpoint, AckRecord]);
export type JournalLine = z.infer<typeof JournalLine>;

export const BundleFile = z
  .object({ path: z.string().min(1).max(400).regex(/^segments\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/), camera: TopicId, seq: z.number().int().positive(), size: z.number().int().nonnegative(), sha256: Sha256Hex })
  .strict();

/** manifest.json of an evidence bundle; manifest.sig holds base64 Ed25519 over its exact bytes. */
export const BundleManifest = z
  .object({
    v: z.literal(1),
    kind: z.literal('evalroom-evidence-bundle'),
    applianceId: TopicId,
    createdAt: Instant,
    /** What was asked for. */
    selection: z.union([
      z.object({ sessionId: z.string().min(1).max(128) }).strict(),
      z.object({ camera: TopicId, from: Instant, to: Instant }).strict(),
    ]),
    sessions: z.array(z.object({ sessionId: z.string(), lotIds: z.array(z.string()) }).strict()),
    publicKeyPem: z.string().min(40).max(1000),
    keyId: Sha256Hex,
    cameras: z.array(
      z
        .object({
          camera: TopicId,
          /** Contiguous run of chain entries; entries[0].prevLink ties it to the camera's earlier chain. */
          entries: z.array(ChainEntry),
          checkpoints: z.array(Checkpoint),
        })
        .strict(),
    ),
    files: z.array(BundleFile),
    /** Segments in range without a file (deleted by policy, recorded as a deletion entry). */
    omitted: z.array(z.object({ camera: TopicId, seq: z.number().int().positive(), reason: z.string().max(300) }).strict()),
  })
  .strict();
export type BundleManifest = z.infer<typeof BundleManifest>;

/* ---------------- Handover HTTP contract (edge → cloud archive) ----------------
 * POST   /v1/archive/uploads                         body ArchiveUploadInit → ArchiveUploadState
 * GET    /v1/archive/uploads/:uploadId                → ArchiveUploadState (which chunks are stored)
 * PUT    /v1/archive/uploads/:uploadId/chunks/:index  raw bytes, header x-chunk-sha256 → ArchiveUploadState
 * POST   /v1/archive/uploads/:uploadId/complete       → ArchiveReceipt (idempotent)
 * The bundle travels as one tar-like stream: the concatenation of its files in `files` order,
 * manifest.json first and manifest.sig second. Every request carries HTTP Basic credentials: the appliance id and its cloud secret.
 * There is no route that overwrites or deletes: an archived session is write-once.
 */
export const ArchiveUploadFile = z
  .object({ path: z.string().min(1).max(400).regex(/^(manifest\.json|manifest\.sig|segments\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)$/), size: z.number().int().nonnegative(), sha256: Sha256Hex })
  .strict();
export const ArchiveUploadInit = z
  .object({
    sessionId: z.string().min(1).max(128),
    applianceId: TopicId,
    /** sha256 over the bytes of manifest.json. */
    bundleSha256: Sha256Hex,
    totalSize: z.number().int().nonnegative(),
    chunkSize: z.number().int().min(64 * 1024).max(64 * 1024 * 1024),
    files: z.array(ArchiveUploadFile).min(2).max(100_000),
    /** When the session ended; the archive computes the handover deadline from it. */
    sessionEndedAt: Instant,
  })
  .strict();
export type ArchiveUploadInit = z.infer<typeof ArchiveUploadInit>;

export const ArchiveUploadState = z
  .object({
    uploadId: z.string().min(1).max(128),
    chunkCount: z.number().int().nonnegative(),
    received: z.array(z.number().int().nonnegative()),
    complete: z.boolean(),
    receipt: ArchiveReceipt.optional(),
  })
  .strict();
export type ArchiveUploadState = z.infer<typeof ArchiveUploadState>;

/** Recording alarms raised through the injected onAlarm callback. */
export const RecordingAlarmName = z.enum([
  'recording_disk_not_mounted',
  'recording_disk_high_watermark',
  'recording_disk_full',
  'recording_idle_paused',
  'recording_camera_failed',
  'recording_journal_write_failed',
]);
export type RecordingAlarmName = z.infer<typeof RecordingAlarmName>;
export const RecordingAlarm = z
  .object({
    alarm: RecordingAlarmName,
    severity: z.enum(['info', 'warning', 'critical', 'cleared']),
    message: z.string().max(500),
    camera: TopicId.optional(),
  })
  .strict();
export type RecordingAlarm = z.infer<typeof RecordingAlarm>;
