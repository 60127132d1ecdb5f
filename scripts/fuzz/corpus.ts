/**
 * Seeds and mutations for the fuzz harness (scripts/fuzz/main.ts) and the suite's short fast-check runs.
 * Seeds are what real clients sent to a real Asterisk (the recorded conformance transcripts), plus a few
 * SIP requests in the shapes chan_sip sees; mutations are byte-level (flip, insert, delete, duplicate,
 * splice, line-ending swap, NUL) and structural (a header repeated, a value made huge or numeric-extreme),
 * so that the inputs stay close to valid messages and reach past the first line of each parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONFORMANCE_DIR = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'conformance');

/** Fast seeded generator (mulberry32): a fuzz run is reproducible from its seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
}

interface Sent {
  conn: string;
  data: string;
}

function transcriptSends(file: string): Sent[] {
  const out: Sent[] = [];
  for (const l of readFileSync(join(CONFORMANCE_DIR, file), 'utf8').split('\n').slice(1)) {
    if (!l.trim()) continue;
    const e = JSON.parse(l) as { dir: string; data: string; conn?: string };
    if (e.dir === 'send' && e.data.length > 0 && e.data.length <= 8192)
      out.push({ conn: e.conn ?? '', data: e.data });
  }
  return out;
}

export interface Corpus {
  /** AMI client chunks (latin1) from every TCP transcript. */
  ami: Buffer[];
  /** Whole HTTP requests from the /rawman, /manager and /mxml transcripts. */
  http: Buffer[];
  /** SIP requests and responses. */
  sip: Buffer[];
}

const SIP_SEEDS = [
  'REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1;rport\r\nMax-Forwards: 70\r\nFrom: <sip:fz@127.0.0.1>;tag=a1\r\nTo: <sip:fz@127.0.0.1>\r\nCall-ID: c1@127.0.0.1\r\nCSeq: 1 REGISTER\r\nContact: <sip:fz@127.0.0.1:5070>\r\nExpires: 60\r\nContent-Length: 0\r\n\r\n',
  'REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-2\r\nFrom: <sip:fz@127.0.0.1>;tag=a1\r\nTo: <sip:fz@127.0.0.1>\r\nCall-ID: c1@127.0.0.1\r\nCSeq: 2 REGISTER\r\nContact: <sip:fz@127.0.0.1:5070>\r\nAuthorization: Digest username="fz", realm="asterisk", nonce="0123abcd", uri="sip:127.0.0.1", response="00000000000000000000000000000000", algorithm=MD5\r\nExpires: 60\r\nContent-Length: 0\r\n\r\n',
  'OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-3\r\nFrom: <sip:probe@127.0.0.1>;tag=o1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: o1@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n',
  'INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-4\r\nFrom: "Fz" <sip:fz@127.0.0.1>;tag=i1\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: i1@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:fz@127.0.0.1:5070>\r\nContent-Type: application/sdp\r\nContent-Length: 129\r\n\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n',
  'SUBSCRIBE sip:200@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-5\r\nFrom: <sip:fz@127.0.0.1>;tag=s1\r\nTo: <sip:200@127.0.0.1>\r\nCall-ID: s1@127.0.0.1\r\nCSeq: 1 SUBSCRIBE\r\nEvent: presence\r\nAccept: application/pidf+xml\r\nExpires: 600\r\nContact: <sip:fz@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n',
  'BYE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-6\r\nFrom: <sip:fz@127.0.0.1>;tag=i1\r\nTo: <sip:100@127.0.0.1>;tag=x\r\nCall-ID: i1@127.0.0.1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n',
  'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-7\r\nFrom: <sip:fz@127.0.0.1>;tag=q1\r\nTo: <sip:fz@127.0.0.1>;tag=r1\r\nCall-ID: q1@127.0.0.1\r\nCSeq: 102 OPTIONS\r\nContent-Length: 0\r\n\r\n',
  'NOTIFY sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-8\r\nFrom: <sip:fz@127.0.0.1>;tag=n1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: n1@127.0.0.1\r\nCSeq: 1 NOTIFY\r\nEvent: message-summary\r\nContent-Type: application/simple-message-summary\r\nContent-Length: 23\r\n\r\nMessages-Waiting: yes\r\n\r\n',
];

let cached: Corpus | undefined;

export function loadCorpus(): Corpus {
  if (cached) return cached;
  const ami = new Set<string>();
  const http = new Set<string>();
  for (const f of readdirSync(CONFORMANCE_DIR)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()) {
    const isHttp = f.startsWith('28');
    for (const s of transcriptSends(f)) {
      if (isHttp) {
        if (/^(GET|POST) /.test(s.data)) http.add(s.data);
      } else if (!s.data.startsWith('\x16')) ami.add(s.data); // not a TLS ClientHello
    }
  }
  cached = {
    ami: [...ami].map((s) => Buffer.from(s, 'latin1')),
    http: [...http].map((s) => Buffer.from(s, 'latin1')),
    sip: SIP_SEEDS.map((s) => Buffer.from(s, 'latin1')),
  };
  return cached;
}

const INTERESTING = [
  '0',
  '-1',
  '99999999999999999999999',
  '2147483648',
  '-2147483649',
  '1e308',
  'NaN',
  '0x7fffffff',
  '',
  ' ',
  '/.*/',
  '(a+)+$',
  '${',
  '$[',
  '\\',
  '"',
  ',',
  '|',
  '.',
  '..',
  '../../etc/passwd',
  '%00',
  '%',
  '&',
  '=',
  ';',
  '\t',
];

/** One mutation of `b` in place of a fresh buffer; `seeds` supply splices. */
function mutateOnce(rng: Rng, b: Buffer, seeds: readonly Buffer[]): Buffer {
  const at = (): number => rng.int(b.length + 1);
  switch (rng.int(12)) {
    case 0: {
      // flip bits of a few bytes
      const c = Buffer.from(b);
      for (let i = 1 + rng.int(4); i > 0 && c.length; i--) c[rng.int(c.length)] ^= 1 << rng.int(8);
      return c;
    }
    case 1: {
      const c = Buffer.from(b);
      if (c.length) c[rng.int(c.length)] = rng.int(256);
      return c;
    }
    case 2: {
      const p = at();
      const ins = Buffer.allocUnsafe(1 + rng.int(32));
      for (let i = 0; i < ins.length; i++) ins[i] = rng.int(256);
      return Buffer.concat([b.subarray(0, p), ins, b.subarray(p)]);
    }
    case 3: {
      const p = at();
      return Buffer.concat([b.subarray(0, p), b.subarray(p + 1 + rng.int(64))]);
    }
    case 4: {
      // duplicate a span (repeated headers, repeated messages)
      const p = rng.int(b.length);
      const len = 1 + rng.int(Math.min(400, Math.max(1, b.length - p)));
      const times = 1 + rng.int(rng.chance(0.1) ? 200 : 4);
      const span = b.subarray(p, p + len);
      return Buffer.concat([b.subarray(0, p + len), ...Array<Buffer>(times).fill(span), b.subarray(p + len)]);
    }
    case 5: {
      // splice with another seed
      const o = rng.pick(seeds);
      return Buffer.concat([b.subarray(0, at()), o.subarray(rng.int(o.length + 1))]);
    }
    case 6: {
      const to = rng.pick(['\n', '\r', '', '\n\r', '\r\r\n', '\r\n\r\n']);
      return Buffer.from(b.toString('latin1').replace(/\r\n/g, to), 'latin1');
    }
    case 7: {
      const p = at();
      return Buffer.concat([b.subarray(0, p), Buffer.from([0]), b.subarray(p)]);
    }
    case 8: {
      // replace a header value (after ': ' or '=') with an interesting token
      const s = b.toString('latin1');
      const re = /(: |=)([^\r\n&]*)/g;
      const ms = [...s.matchAll(re)];
      if (!ms.length) return b;
      const m = rng.pick(ms);
      const v = rng.pick(INTERESTING);
      const start = (m.index ?? 0) + m[1].length;
      return Buffer.from(s.slice(0, start) + v + s.slice(start + m[2].length), 'latin1');
    }
    case 9: {
      // a long value: around the 1024-byte line buffer, or far past it
      const p = at();
      const n = rng.pick([1000, 1022, 1023, 1024, 1025, 2048, 4096, 70000]);
      return Buffer.concat([
        b.subarray(0, p),
        Buffer.alloc(n, rng.pick([0x41, 0x20, 0x3a, 0x25, 0x2c])),
        b.subarray(p),
      ]);
    }
    case 10: {
      // truncate
      return b.subarray(0, at());
    }
    default: {
      // swap the case of a run of letters (header names are case-insensitive)
      const c = Buffer.from(b);
      const p = rng.int(c.length + 1);
      for (let i = p; i < Math.min(c.length, p + 16); i++)
        if (/[a-z]/i.test(String.fromCharCode(c[i]))) c[i] ^= 0x20;
      return c;
    }
  }
}

/** A mutated input: 1–3 seeds joined, then 0–8 mutations; sometimes plain random bytes. */
export function mutatedInput(rng: Rng, seeds: readonly Buffer[], maxLen = 256 * 1024): Buffer {
  if (rng.chance(0.05)) {
    const r = Buffer.allocUnsafe(rng.int(2048));
    for (let i = 0; i < r.length; i++) r[i] = rng.int(256);
    return r;
  }
  let b = rng.pick(seeds);
  for (let n = rng.int(3); n > 0; n--) b = Buffer.concat([b, rng.pick(seeds)]);
  for (let n = rng.int(9); n > 0; n--) {
    b = mutateOnce(rng, b, seeds);
    if (b.length > maxLen) b = b.subarray(0, maxLen);
  }
  return b;
}

/** Cut points that split an input into stream chunks (0 = one chunk). */
export function chunkSizes(rng: Rng): number[] {
  const n = rng.int(5);
  return Array.from({ length: n }, () => 1 + rng.int(rng.chance(0.5) ? 16 : 2048));
}

/** Removes what legitimately ends an AMI session or holds the next reply (Logoff, WaitEvent, a Login). */
export function defangAmi(b: Buffer, unauthenticated: boolean): Buffer {
  let s = b
    .toString('latin1')
    .replace(/logoff/gi, 'logof_')
    .replace(/waitevent/gi, 'waiteven_');
  if (unauthenticated) s = s.replace(/login/gi, 'logi_');
  return Buffer.from(s, 'latin1');
}
