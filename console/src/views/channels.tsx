/**
 * Channels and bridges: a live table (CoreShowChannels, then Newchannel/Newstate/Newexten/Hangup and
 * BridgeEnter/BridgeLeave), with Hangup and Redirect actions per channel.
 */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { hdr } from '../ami';
import { useLive, useTick } from '../hooks';
import { clockText, type Chan, type Live } from '../live';

function stateClass(s: string): string {
  const l = s.toLowerCase();
  if (l === 'up') return 'ok';
  if (l.startsWith('ring')) return 'warn';
  if (l === 'busy' || l === 'down') return 'bad';
  return '';
}

function RedirectForm({ live, chan, onDone }: { live: Live; chan: Chan; onDone: (msg: string) => void }) {
  const [context, setContext] = useState(chan.context);
  const [exten, setExten] = useState('');
  const [priority, setPriority] = useState('1');
  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    try {
      const r = await live.conn.action({
        Action: 'Redirect',
        Channel: chan.channel,
        Context: context,
        Exten: exten,
        Priority: priority,
      });
      onDone(`Redirect ${chan.channel}: ${hdr(r.response, 'Message') || hdr(r.response, 'Response')}`);
    } catch (e) {
      onDone(`Redirect ${chan.channel}: ${(e as Error).message}`);
    }
  };
  return (
    <form class="inline-form" onSubmit={submit} aria-label={`Redirect ${chan.channel}`}>
      <label>
        Context
        <input name="context" required value={context} onInput={(e) => setContext(e.currentTarget.value)} />
      </label>
      <label>
        Exten
        <input
          name="exten"
          required
          autoFocus
          value={exten}
          onInput={(e) => setExten(e.currentTarget.value)}
        />
      </label>
      <label>
        Priority
        <input
          name="priority"
          required
          size={4}
          value={priority}
          onInput={(e) => setPriority(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Redirect</button>
      <button type="button" class="ghost" onClick={() => onDone('')}>
        Cancel
      </button>
    </form>
  );
}

export function Channels({ live }: { live: Live }) {
  useLive(live);
  useTick(1000);
  const [redirecting, setRedirecting] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const now = Date.now();
  const chans = [...live.channels.values()].sort(
    (a, b) => a.created - b.created || a.channel.localeCompare(b.channel),
  );
  const bridges = [...live.bridges.values()];
  const inBridge = (id: string): Chan[] => chans.filter((c) => c.bridge === id);
  for (const c of chans)
    if (c.bridge && !live.bridges.has(c.bridge)) bridges.push({ id: c.bridge, type: '', tech: '' });

  const hangup = async (c: Chan): Promise<void> => {
    try {
      const r = await live.conn.action({ Action: 'Hangup', Channel: c.channel });
      setStatus(`Hangup ${c.channel}: ${hdr(r.response, 'Message') || hdr(r.response, 'Response')}`);
    } catch (e) {
      setStatus(`Hangup ${c.channel}: ${(e as Error).message}`);
    }
  };

  return (
    <div class="channels">
      <div class="toolbar">
        <h2>
          Channels{' '}
          <span class="count" data-metric="channel-count">
            {chans.length}
          </span>
        </h2>
        <button type="button" class="ghost" onClick={() => void live.refreshChannels()}>
          Reload
        </button>
        {status && (
          <span class="status" role="status">
            {status}
          </span>
        )}
      </div>
      {live.caps.channels === 'no' && (
        <p class="notice">This server does not know CoreShowChannels: showing events only.</p>
      )}
      {chans.length === 0 ? (
        <p class="empty">No channels.</p>
      ) : (
        <table class="grid" aria-label="Channels">
          <thead>
            <tr>
              <th>Channel</th>
              <th>State</th>
              <th>Caller ID</th>
              <th>Connected</th>
              <th>Location</th>
              <th>Application</th>
              <th>Bridge</th>
              <th class="num">Duration</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {chans.map((c) => (
              <Fragment key={c.uniqueid}>
                <tr data-channel={c.channel} data-uniqueid={c.uniqueid}>
                  <td class="mono" title={`Uniqueid ${c.uniqueid} · Linkedid ${c.linkedid}`}>
                    {c.channel}
                  </td>
                  <td>
                    <span class={`pill ${stateClass(c.state)}`}>{c.state || '?'}</span>
                  </td>
                  <td>{[c.cidName, c.cidNum].filter((x) => x && x !== '<unknown>').join(' ')}</td>
                  <td>{[c.connName, c.connNum].filter((x) => x && x !== '<unknown>').join(' ')}</td>
                  <td class="mono">{c.context ? `${c.exten}@${c.context}:${c.priority}` : ''}</td>
                  <td class="mono">{c.app ? `${c.app}(${c.appData})` : ''}</td>
                  <td class="mono" title={c.bridge}>
                    {c.bridge ? c.bridge.slice(0, 8) : ''}
                  </td>
                  <td class="num mono">{clockText((now - c.created) / 1000)}</td>
                  <td>
                    <div class="actions">
                      <button type="button" class="danger" onClick={() => void hangup(c)}>
                        Hang up
                      </button>
                      <button
                        type="button"
                        onClick={() => setRedirecting(redirecting === c.uniqueid ? null : c.uniqueid)}
                      >
                        Redirect
                      </button>
                    </div>
                  </td>
                </tr>
                {redirecting === c.uniqueid && (
                  <tr class="subrow">
                    <td colSpan={9}>
                      <RedirectForm
                        live={live}
                        chan={c}
                        onDone={(msg) => {
                          setRedirecting(null);
                          if (msg) setStatus(msg);
                        }}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      <h2>
        Bridges <span class="count">{bridges.length}</span>
      </h2>
      {bridges.length === 0 ? (
        <p class="empty">No bridges.</p>
      ) : (
        <ul class="bridges">
          {bridges.map((b) => (
            <li key={b.id} data-bridge={b.id}>
              <span class="mono">{b.id}</span>
              {b.type && <span class="muted"> {b.type}</span>}
              {b.tech && <span class="muted"> · {b.tech}</span>}
              <span>
                {' '}
                ⇄{' '}
                {inBridge(b.id)
                  .map((c) => c.channel)
                  .join('  ·  ') || '(empty)'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
