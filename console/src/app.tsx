/**
 * The shell: the login page until a Login action succeeds over `/ws` (subprotocol ami-json), then
 * the views behind a tab bar (hash routes, so any http.conf prefix works and reloads keep the view).
 */
import { useEffect, useState } from 'preact/hooks';
import { AmiConnection, defaultWsUrl, hdr } from './ami';
import { Live } from './live';
import { Login } from './views/login';
import { Wallboard } from './views/wallboard';
import { Channels } from './views/channels';
import { Peers } from './views/peers';
import { EventLog } from './views/events';
import { Composer } from './views/composer';
import { useLive } from './hooks';

export interface SessionInfo {
  conn: AmiConnection;
  live: Live;
  user: string;
  /** Set by Log out: the close that follows is not an error. */
  leaving?: boolean;
}

const VIEWS = [
  { id: 'wallboard', label: 'Wallboard' },
  { id: 'channels', label: 'Channels' },
  { id: 'peers', label: 'SIP peers' },
  { id: 'events', label: 'Events' },
  { id: 'composer', label: 'Actions' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

function viewFromHash(): ViewId {
  const h = window.location.hash.replace(/^#\/?/, '');
  return (VIEWS.find((v) => v.id === h)?.id ?? 'wallboard') as ViewId;
}

/** Opens `/ws`, logs in; resolves with the session or rejects with the server's message. */
export async function login(user: string, secret: string, url = defaultWsUrl()): Promise<SessionInfo> {
  const conn = new AmiConnection(url);
  await conn.open();
  const live = new Live(conn);
  try {
    const r = await conn.action({ Action: 'Login', Username: user, Secret: secret });
    if (!r.ok) throw new Error(hdr(r.response, 'Message') || 'Login failed');
  } catch (e) {
    live.dispose();
    conn.close();
    throw e;
  }
  return { conn, live, user };
}

/** What the list actions answered with besides success (Permission denied, ...), newest last. */
function Problems({ live }: { live: Live }) {
  useLive(live);
  if (live.errors.length === 0) return null;
  return (
    <div class="notice problems" aria-live="polite">
      {live.errors.map((e, i) => (
        <div key={i}>{e}</div>
      ))}
      <button
        type="button"
        class="ghost"
        onClick={() => {
          live.errors = [];
          live.changed();
        }}
      >
        Dismiss
      </button>
    </div>
  );
}

export function App() {
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [notice, setNotice] = useState('');
  const [view, setView] = useState<ViewId>(viewFromHash());
  const [connState, setConnState] = useState('open');

  useEffect(() => {
    const onHash = (): void => setView(viewFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    if (!session) return;
    void session.live.refreshAll();
    const off = session.conn.onState((s, why) => {
      setConnState(s);
      if (s === 'closed') {
        session.live.dispose();
        setSession(null);
        setNotice(session.leaving ? '' : `Disconnected: ${why ?? 'connection closed'}`);
      }
    });
    // Re-read the lists now and then: counters the events do not carry (service level) stay right.
    const timer = setInterval(() => void session.live.refreshQueues(), 30_000);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [session]);

  if (!session) {
    return (
      <Login
        notice={notice}
        onLogin={async (user, secret) => {
          const s = await login(user, secret);
          setNotice('');
          setConnState('open');
          setSession(s);
        }}
      />
    );
  }

  const logoff = (): void => {
    session.leaving = true;
    void session.conn.action({ Action: 'Logoff' }).catch(() => undefined);
    setTimeout(() => session.conn.close(), 200);
  };

  return (
    <div class="shell">
      <header class="topbar">
        <span class="brand">amikit</span>
        <nav>
          {VIEWS.map((v) => (
            <a
              key={v.id}
              href={`#/${v.id}`}
              class={v.id === view ? 'tab active' : 'tab'}
              aria-current={v.id === view ? 'page' : undefined}
            >
              {v.label}
            </a>
          ))}
        </nav>
        <span class={`conn conn-${connState}`} title={session.conn.banner}>
          {session.user} · {connState === 'open' ? 'connected' : connState}
        </span>
        <button type="button" class="ghost" onClick={logoff}>
          Log out
        </button>
      </header>
      <main class="view" data-view={view}>
        <Problems live={session.live} />
        {view === 'wallboard' && <Wallboard live={session.live} />}
        {view === 'channels' && <Channels live={session.live} />}
        {view === 'peers' && <Peers live={session.live} />}
        {view === 'events' && <EventLog live={session.live} />}
        {view === 'composer' && <Composer conn={session.conn} />}
      </main>
    </div>
  );
}
