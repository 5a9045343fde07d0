/** Packed 8-bit RGB pixels, row-major, no padding. Lives in memory only. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type FaceInputErrorCode = 'not_an_image' | 'unreadable_image' | 'image_too_large';

/** A probe or reference that cannot be used as an image at all (distinct from "no face in it"). */
export class FaceInputError extends Error {
  constructor(
    readonly code: FaceInputErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FaceInputError';
  }
}
