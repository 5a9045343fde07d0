import type { IdCard } from '@evalroom/contracts';
import type { TypedEmitter } from './typed-emitter';

/**
 * Hardware sits behind these small ports. Each kind has a real implementation (native module
 * imported lazily), a simulator speaking the same bytes or messages, and one contract suite
 * that both pass. The appliance reaches devices only through the room broker; an agent
 * (see ./agent) bridges a port to its MQTT topics.
 */
export interface DeviceHealth {
  present: boolean;
  lastSeen?: Date;
  errors: number;
  detail?: Record<string, string | number | boolean | null>;
}

export interface DevicePort {
  readonly kind: 'idreader' | 'gate' | 'camera' | 'tablet' | 'locker';
  readonly driver: 'real' | 'simulated';
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): DeviceHealth;
}

export type IdReaderEvents = {
  card: [card: IdCard];
  removed: [];
  error: [error: Error];
};
export interface IdReaderPort extends DevicePort, Pick<TypedEmitter<IdReaderEvents>, 'on' | 'removeAllByOwner'> {
  readonly kind: 'idreader';
  reset(): Promise<void>;
  samStatus(): Promise<{ samId: string; ok: boolean }>;
}

export type GateEvents = {
  opened: [];
  closed: [];
  doorOpened: [];
  doorClosed: [];
  forcedDoor: [];
  heldOpen: [openForMs: number];
  error: [error: Error];
};
/** A gate never stays open longer than asked (capped at GATE_MAX_OPEN_MS) and starts closed (fail-secure). */
export interface GatePort extends DevicePort, Pick<TypedEmitter<GateEvents>, 'on' | 'removeAllByOwner'> {
  readonly kind: 'gate';
  open(durationMs: number): Promise<Date>;
  close(): Promise<void>;
  isOpen(): boolean;
}

export interface CapturedImage {
  image: Buffer;
  format: 'jpeg' | 'png';
  width: number;
  height: number;
}

export type CameraEvents = { streamLost: [reason: string]; streamRestored: []; error: [error: Error] };
export interface CameraPort extends DevicePort, Pick<TypedEmitter<CameraEvents>, 'on' | 'removeAllByOwner'> {
  readonly kind: 'camera';
  /** One still frame, e.g. the live face at the door. */
  capture(options?: { maxWidth?: number }): Promise<CapturedImage>;
  /** Where the recorder reads the stream from: rtsp://…, v4l2 device, or a test source. */
  streamSource(): { type: 'rtsp'; url: string } | { type: 'v4l2'; device: string } | { type: 'test'; pattern: string };
}

export interface SignatureCapture {
  image: Buffer;
  format: 'png';
  strokes: Array<Array<[number, number, number]>>;
}
export type TabletEvents = { button: [button: 'help' | 'call_staff']; error: [error: Error] };
export interface TabletPort extends DevicePort, Pick<TypedEmitter<TabletEvents>, 'on' | 'removeAllByOwner'> {
  readonly kind: 'tablet';
  captureFace(timeoutMs: number): Promise<CapturedImage>;
  captureSignature(prompt: string, timeoutMs: number): Promise<SignatureCapture>;
  showMessage(title: string, body: string): Promise<void>;
}

export type LockerEvents = {
  slotOpened: [slot: number];
  slotClosed: [slot: number, occupied: boolean];
  error: [error: Error];
};
export interface LockerPort extends DevicePort, Pick<TypedEmitter<LockerEvents>, 'on' | 'removeAllByOwner'> {
  readonly kind: 'locker';
  assign(checkinId: string): Promise<number>;
  open(slot: number): Promise<void>;
  release(slot: number): Promise<void>;
}

export type AnyDevicePort = IdReaderPort | GatePort | CameraPort | TabletPort | LockerPort;
