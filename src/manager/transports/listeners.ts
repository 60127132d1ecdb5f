/**
 * The AMI listeners: plain TCP (manager.conf port/bindaddr) and TLS (tlsenable, tlsbindaddr,
 * tlscertfile, tlsprivatekey, tlscipher, tlsservercipherorder, tlsdisablev1*).
 */
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import type { Manager } from '../manager.js';
import { attachSocket } from './stream.js';

export interface ListenOptions {
  host: string;
  port: number;
}

export interface TlsListenOptions extends ListenOptions {
  certfile: string;
  privatekey: string;
  cipher: string;
  servercipherorder: boolean;
  disablev1: boolean;
  disablev11: boolean;
  disablev12: boolean;
}

function listen(server: net.Server, o: ListenOptions): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const host = o.host === '::' || o.host === '' ? undefined : o.host;
    server.listen({ port: o.port, host, ipv6Only: false }, () => {
      server.off('error', reject);
      resolve(server.address() as net.AddressInfo);
    });
  });
}

export async function listenTcp(
  manager: Manager,
  o: ListenOptions,
): Promise<{ server: net.Server; address: net.AddressInfo }> {
  const server = net.createServer((socket) => attachSocket(manager, socket, 'TCP'));
  server.maxConnections = 100_000;
  const address = await listen(server, o);
  return { server, address };
}

export async function listenTls(
  manager: Manager,
  o: TlsListenOptions,
): Promise<{ server: tls.Server; address: net.AddressInfo }> {
  const cert = readFileSync(o.certfile);
  // Asterisk reads the key from the certificate file when tlsprivatekey is empty.
  const key = readFileSync(o.privatekey || o.certfile);
  let minVersion: tls.SecureVersion = 'TLSv1';
  if (o.disablev1) minVersion = 'TLSv1.1';
  if (o.disablev1 && o.disablev11) minVersion = 'TLSv1.2';
  if (o.disablev1 && o.disablev11 && o.disablev12) minVersion = 'TLSv1.3';
  const server = tls.createServer(
    {
      cert,
      key,
      ciphers: o.cipher || undefined,
      honorCipherOrder: o.servercipherorder,
      minVersion,
    },
    (socket) => attachSocket(manager, socket, 'TLS'),
  );
  server.on('tlsClientError', () => {
    /* a failed handshake is the client's problem; nothing to clean up */
  });
  const address = await listen(server, o);
  return { server, address };
}
