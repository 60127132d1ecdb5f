/**
 * Streaming AMI parser over Buffers.
 *
 * Lines end with CRLF or a bare LF; a bare CR is data. A blank line ends a message. Complete lines are
 * decoded once per chunk (latin1 keeps bytes exact for a server; utf8 suits a client, and a multi-byte
 * character can never straddle the cut because the cut is always just after an LF byte).
 *
 * In server mode the limits of Asterisk's manager.c are emulated exactly: it reads into a 1024-byte buffer,
 * so an LF must arrive within 1024 bytes of a line's start; otherwise 1023 bytes are dropped, the message
 * is marked `lineTooLong`, and reading goes on from the kept byte. At most 128 lines are kept per message
 * (`tooManyLines` beyond). A line is cut at its first NUL byte, as C string handling does, so a line that
 * starts with NUL ends the message.
 */
import { AmiMessage } from './message.js';

export interface ParserOptions {
  /** 'latin1' keeps bytes exact (server); 'utf8' decodes text (client). Default latin1. */
  encoding?: 'latin1' | 'utf8';
  /** The first line is a banner (`Asterisk Call Manager/x.y.z`), reported through onBanner. */
  banner?: boolean;
  /**
   * Line buffer size in bytes, as Asterisk's inbuf (1024 in server mode). A line whose LF is not within
   * this many bytes of its start is cut. Default: 1 MiB (a client must never grow without bound).
   */
  lineBuffer?: number;
  /** Most lines kept per message (128 in Asterisk). Default: unlimited. */
  maxLines?: number;
  /** Cut lines at the first NUL and treat a NUL-led line as blank (Asterisk's C strings). */
  cStrings?: boolean;
  /** Emit a message for a blank line that ends no headers (Asterisk answers it). Default false. */
  emitEmpty?: boolean;
}

export type MessageHandler = (msg: AmiMessage) => void;

export const ASTERISK_LINE_BUFFER = 1024;
export const ASTERISK_MAX_HEADERS = 128;

export class AmiParser {
  private readonly encoding: 'latin1' | 'utf8';
  private readonly lineBuffer: number;
  private readonly maxLines: number;
  private readonly cStrings: boolean;
  private readonly emitEmpty: boolean;
  private expectBanner: boolean;
  /** Bytes of an unfinished line. */
  private pending: Buffer | null = null;
  private cur: AmiMessage | null = null;
  /** The current message had a line cut for length (state survives until the message ends). */
  private tooLong = false;

  onMessage: MessageHandler;
  onBanner: (banner: string) => void = () => {};

  constructor(onMessage: MessageHandler, opts: ParserOptions = {}) {
    this.onMessage = onMessage;
    this.encoding = opts.encoding ?? 'latin1';
    this.expectBanner = opts.banner ?? false;
    this.lineBuffer = opts.lineBuffer ?? 1024 * 1024;
    this.maxLines = opts.maxLines ?? Number.MAX_SAFE_INTEGER;
    this.cStrings = opts.cStrings ?? false;
    this.emitEmpty = opts.emitEmpty ?? false;
  }

  /** Bytes held for an unfinished line (bounded by the line buffer). */
  get bufferedBytes(): number {
    return this.pending ? this.pending.length : 0;
  }

  /** A parser configured as Asterisk's manager reads client input. */
  static forServer(onMessage: MessageHandler): AmiParser {
    return new AmiParser(onMessage, {
      encoding: 'latin1',
      lineBuffer: ASTERISK_LINE_BUFFER,
      maxLines: ASTERISK_MAX_HEADERS,
      cStrings: true,
      emitEmpty: true,
    });
  }

  feed(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending !== null) {
      // Finish the unfinished line with the head of this chunk only; copying the whole chunk onto
      // the pending bytes would cost a full memcpy per read whenever a line straddles two reads.
      const firstLf = chunk.indexOf(10);
      if (firstLf < 0) {
        const joined = Buffer.concat([this.pending, chunk]);
        this.pending = null;
        this.keepPartial(joined, 0);
        return;
      }
      const head = Buffer.concat([this.pending, chunk.subarray(0, firstLf + 1)]);
      this.pending = null;
      this.scan(head.toString(this.encoding));
      buf = chunk.subarray(firstLf + 1);
      if (buf.length === 0) return;
    }
    const lastLf = buf.lastIndexOf(10);
    if (lastLf < 0) {
      this.keepPartial(buf, 0);
      return;
    }
    const text = buf.toString(this.encoding, 0, lastLf + 1);
    if (lastLf + 1 < buf.length) this.keepPartial(buf, lastLf + 1);
    this.scan(text);
  }

  /** Keeps an unfinished line, dropping what Asterisk's fixed buffer could not hold. */
  private keepPartial(buf: Buffer, from: number): void {
    let start = from;
    const cap = this.lineBuffer;
    while (buf.length - start >= cap) {
      start += cap - 1;
      this.tooLong = true;
    }
    // Copy so that a large chunk is not retained for a few bytes.
    this.pending = Buffer.from(buf.subarray(start));
  }

  private scan(text: string): void {
    const n = text.length;
    let pos = 0;
    if (this.expectBanner) {
      const nl = text.indexOf('\n');
      let end = nl;
      if (end > 0 && text.charCodeAt(end - 1) === 13) end--;
      this.expectBanner = false;
      pos = nl + 1;
      this.onBanner(text.slice(0, end));
    }
    const limited = this.lineBuffer < Number.MAX_SAFE_INTEGER && this.encoding === 'latin1';
    const cap = this.lineBuffer;
    // Position of the next NUL at or after `pos` (-1: none left); found once per scan, not per line.
    let nul = this.cStrings ? text.indexOf('\0') : -1;
    while (pos < n) {
      const nl = text.indexOf('\n', pos);
      let start = pos;
      pos = nl + 1;
      if (limited && nl - start > cap - 1) {
        // The LF lies beyond the line buffer: drop 1023-byte blocks as Asterisk does.
        do start += cap - 1;
        while (nl - start > cap - 1);
        this.tooLong = true;
      }
      let end = nl;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      if (nul >= 0) {
        if (nul < start) nul = text.indexOf('\0', start);
        if (nul >= 0 && nul < end) end = nul;
      }
      if (end === start) {
        this.endMessage();
        continue;
      }
      let m = this.cur;
      if (m === null) m = this.cur = new AmiMessage();
      if (m.lines.length < this.maxLines) m.lines.push(text.slice(start, end));
      else m.tooManyLines = true;
    }
  }

  private endMessage(): void {
    let m = this.cur;
    this.cur = null;
    if (m === null) {
      if (!this.emitEmpty && !this.tooLong) return;
      m = new AmiMessage();
    }
    if (this.tooLong) {
      m.lineTooLong = true;
      this.tooLong = false;
    }
    this.onMessage(m);
  }
}
