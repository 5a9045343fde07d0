/**
 * Parser for the multipart stream `multipartmux` writes (one JPEG per part):
 *   --BOUNDARY\r\nContent-Type: image/jpeg\r\nContent-Length: N\r\n\r\n<N bytes>\r\n
 * Only complete parts with a JPEG start marker are emitted; anything else (garbage, a part too
 * large, a missing length) is skipped by resynchronising on the next boundary.
 */
export class MultipartJpegParser {
  private buf: Buffer = Buffer.alloc(0);
  private readonly marker: Buffer;
  /** A part's body is followed by CRLF before the next boundary. */
  private expectCrlf = false;

  constructor(
    boundary: string,
    private readonly onFrame: (jpeg: Buffer) => void,
    private readonly onGarbage: (reason: string) => void = () => {},
    private readonly maxPartBytes = 8 * 1024 * 1024,
  ) {
    this.marker = Buffer.from(`--${boundary}\r\n`, 'latin1');
  }

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.expectCrlf) {
        if (this.buf.length < 2) return;
        if (this.buf[0] === 0x0d && this.buf[1] === 0x0a) this.buf = this.buf.subarray(2);
        this.expectCrlf = false;
      }
      const start = this.buf.indexOf(this.marker);
      if (start < 0) {
        // Keep only a tail that could be the beginning of a boundary.
        if (this.buf.length > this.marker.length) {
          this.onGarbage(`${this.buf.length - this.marker.length} bytes without a boundary`);
          this.buf = this.buf.subarray(this.buf.length - this.marker.length);
        }
        return;
      }
      if (start > 0) {
        this.onGarbage(`${start} bytes before a boundary`);
        this.buf = this.buf.subarray(start);
      }
      const headerEnd = this.buf.indexOf('\r\n\r\n', this.marker.length, 'latin1');
      if (headerEnd < 0) {
        if (this.buf.length > 4096) this.skip('header too long');
        return;
      }
      const headers = this.buf.subarray(this.marker.length, headerEnd).toString('latin1');
      const m = /(?:^|\r\n)content-length:\s*(\d+)/i.exec(headers);
      const length = m ? Number(m[1]) : NaN;
      if (!Number.isSafeInteger(length) || length <= 0 || length > this.maxPartBytes) {
        this.skip(m ? `bad part length ${m[1]}` : 'part without Content-Length');
        continue;
      }
      const bodyStart = headerEnd + 4;
      if (this.buf.length < bodyStart + length) return;
      const body = Buffer.from(this.buf.subarray(bodyStart, bodyStart + length)); // own copy: the stream buffer is reused
      this.buf = this.buf.subarray(bodyStart + length);
      this.expectCrlf = true;
      if (body[0] === 0xff && body[1] === 0xd8) this.onFrame(body);
      else this.onGarbage('part is not a JPEG');
    }
  }

  /** Drops the current (bad) part: resynchronise on the next boundary after this one. */
  private skip(reason: string): void {
    this.onGarbage(reason);
    this.buf = this.buf.subarray(1);
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
    this.expectCrlf = false;
  }
}
