/**
 * Prototype (bench only): how fast can framing go if a message is kept as one string and split into
 * lines only when asked? Same framing rules as AmiParser in client mode (utf8, banner, CRLF or bare LF,
 * blank line ends a message, empty messages skipped); no server-mode limits. `lines` is computed on
 * first access; `kind` reads the text directly.
 *
 * Also avoids Buffer.concat of the whole chunk with the previous partial line: the partial line plus
 * the chunk's first line are decoded together, the rest of the chunk on its own (a multi-byte character
 * can never straddle either cut, since both cuts are just after an LF byte).
 *
 * Measured (50 MB stream, MB per CPU-second, same process, alternating): classifying messages by kind,
 * ~420 vs ~350 for AmiParser (+20%); reading every message's lines, ~180 vs ~340 (about half). Not
 * worth a redesign of AmiMessage: clients read headers of most messages. The no-copy feed alone gave
 * no measurable gain. Not wired into the benchmark drivers.
 */
export class RawMessage {
  private _lines: string[] | null = null;
  constructor(readonly text: string) {}
  get lines(): string[] {
    if (this._lines === null) {
      const ls = this.text.split('\n');
      for (let i = 0; i < ls.length; i++) {
        const l = ls[i];
        if (l.charCodeAt(l.length - 1) === 13) ls[i] = l.slice(0, -1);
      }
      this._lines = ls;
    }
    return this._lines;
  }
  get kind(): string {
    const t = this.text;
    const c = t.indexOf(':');
    const nl = t.indexOf('\n');
    if (c < 0 || (nl >= 0 && c > nl)) return '';
    // the common cases without allocating
    if (c === 5 && t.startsWith('Event')) return 'event';
    if (c === 8 && t.startsWith('Response')) return 'response';
    return t.slice(0, c).toLowerCase();
  }
}

export class RawParser {
  private pending: Buffer | null = null;
  private expectBanner = true;
  /** Text of a message not finished at the end of the last chunk. */
  private carry = '';
  constructor(private readonly onMessage: (m: RawMessage) => void) {}

  feed(chunk: Buffer): void {
    let from = 0;
    let head = '';
    if (this.pending !== null) {
      const lf = chunk.indexOf(10);
      if (lf < 0) {
        this.pending = Buffer.concat([this.pending, chunk]);
        return;
      }
      head = Buffer.concat([this.pending, chunk.subarray(0, lf + 1)]).toString('utf8');
      this.pending = null;
      from = lf + 1;
    }
    const lastLf = chunk.lastIndexOf(10);
    let body = '';
    if (lastLf >= from) body = chunk.toString('utf8', from, lastLf + 1);
    if (lastLf + 1 < chunk.length && lastLf + 1 >= from)
      this.pending = Buffer.from(chunk.subarray(lastLf + 1));
    else if (lastLf < from && from < chunk.length) this.pending = Buffer.from(chunk.subarray(from));
    this.scan(this.carry + head + body);
  }

  private scan(text: string): void {
    let pos = 0;
    if (this.expectBanner) {
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      this.expectBanner = false;
      pos = nl + 1;
    }
    const n = text.length;
    // next occurrences of the two end patterns, searched again only once passed (else O(n^2))
    let e = -2;
    let e2 = -2;
    for (;;) {
      // skip blank lines (stray CRLFs) before a message
      while (pos < n) {
        const c = text.charCodeAt(pos);
        if (c === 10) pos++;
        else if (c === 13 && text.charCodeAt(pos + 1) === 10) pos += 2;
        else break;
      }
      if (pos >= n) break;
      // the end of the message: the first LF followed by an (optionally CR-led) LF
      if (e !== -1 && e < pos) e = text.indexOf('\n\r\n', pos);
      if (e2 !== -1 && e2 < pos) e2 = text.indexOf('\n\n', pos);
      let end: number;
      let next: number;
      if (e2 >= 0 && (e < 0 || e2 < e)) {
        end = e2;
        next = e2 + 2;
      } else if (e >= 0) {
        end = e;
        next = e + 3;
      } else break;
      if (text.charCodeAt(end - 1) === 13) end--;
      this.onMessage(new RawMessage(text.slice(pos, end)));
      pos = next;
    }
    this.carry = pos < n ? text.slice(pos) : '';
  }
}
