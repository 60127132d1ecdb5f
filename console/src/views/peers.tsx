/** SIP peers (SIPpeers) and their status, kept current by PeerStatus events. */
import { useLive } from '../hooks';
import type { Live } from '../live';

export function peerClass(status: string): string {
  const s = status.toLowerCase();
  if (s.startsWith('ok') || s.startsWith('registered') || s.startsWith('reachable')) return 'ok';
  if (s.startsWith('lagged')) return 'warn';
  if (s.startsWith('unreachable') || s.startsWith('unregistered') || s.startsWith('rejected')) return 'bad';
  return 'idle';
}

export function Peers({ live }: { live: Live }) {
  useLive(live);
  const peers = [...live.peers.values()].sort((a, b) => a.name.localeCompare(b.name));
  const counts = { ok: 0, warn: 0, bad: 0, idle: 0 };
  for (const p of peers) counts[peerClass(p.status) as keyof typeof counts]++;
  return (
    <div class="peers">
      <div class="toolbar">
        <h2>
          SIP peers <span class="count">{peers.length}</span>
        </h2>
        <span class="pill ok">{counts.ok} up</span>
        <span class="pill warn">{counts.warn} lagged</span>
        <span class="pill bad">{counts.bad} down</span>
        <span class="pill idle">{counts.idle} other</span>
        <button type="button" class="ghost" onClick={() => void live.refreshPeers()}>
          Reload
        </button>
      </div>
      {live.caps.peers === 'no' && (
        <p class="notice">
          This server does not know SIPpeers (chan_sip not loaded): showing PeerStatus events only.
        </p>
      )}
      {peers.length === 0 ? (
        <p class="empty">No SIP peers.</p>
      ) : (
        <div class="peer-grid" aria-label="SIP peers">
          {peers.map((p) => (
            <div key={p.name} class={`peer ${peerClass(p.status)}`} data-peer={p.name}>
              <span class="peer-name">{p.name}</span>
              <span class="peer-status">{p.status || 'unknown'}</span>
              <span class="muted mono">
                {p.address || (p.dynamic ? 'dynamic, not registered' : '')}
                {p.description ? ` · ${p.description}` : ''}
              </span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
