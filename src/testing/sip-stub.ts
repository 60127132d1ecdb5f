/**
 * A loopback SIP stub that answers every request with 200 OK (the TypeScript twin of the stub that
 * stood in for test-202/test-203 when 16_sip was recorded), and free UDP ports for SIP listeners.
 */
import dgram from 'node:dgram';

export interface StubRequest {
  port: number;
  method: string;
  text: string;
  from: { address: string; port: number };
}

export interface SipStub {
  ports: number[];
  requests: StubRequest[];
  close(): Promise<void>;
}

const COPIED = new Set(['via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq']);

/**
 * Answers each SIP request on each port with `200 OK` (Via, From, To, Call-ID, CSeq copied): `count`
 * ephemeral ports, or the ports listed.
 */
export async function startStub(count: number | number[]): Promise<SipStub> {
  const wanted = typeof count === 'number' ? new Array<number>(count).fill(0) : count;
  const requests: StubRequest[] = [];
  const socks: dgram.Socket[] = [];
  const ports: number[] = [];
  for (const want of wanted) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(want, '127.0.0.1', () => r()));
    const port = s.address().port;
    s.on('message', (data, rinfo) => {
      const text = data.toString('latin1');
      const head = text.split('\r\n\r\n', 1)[0].split('\r\n');
      if (!head.length || head[0].startsWith('SIP/2.0')) return;
      const kept = head.slice(1).filter((l) => COPIED.has(l.split(':', 1)[0].trim().toLowerCase()));
      requests.push({
        port,
        method: head[0].split(' ', 1)[0],
        text,
        from: { address: rinfo.address, port: rinfo.port },
      });
      s.send(
        Buffer.from(['SIP/2.0 200 OK', ...kept, 'Content-Length: 0', '', ''].join('\r\n'), 'latin1'),
        rinfo.port,
        rinfo.address,
      );
    });
    socks.push(s);
    ports.push(port);
  }
  return {
    ports,
    requests,
    close: async () => {
      await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/** A UDP port that was free a moment ago (bound, then closed). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
