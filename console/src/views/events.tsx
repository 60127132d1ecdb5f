/**
 * The event log: the last LOG_LIMIT events in memory, filtered by a regular expression on the event
 * name and its `Header: value` lines; Pause freezes the list while events keep being recorded.
 */
import { useMemo, useState } from 'preact/hooks';
import { useLive } from '../hooks';
import { LOG_LIMIT, type Live, type LogEntry } from '../live';
import { PatternError, tryCompilePattern, type Pattern } from '../../../src/pattern/index.js';

const SHOWN = 300;

export function EventLog({ live }: { live: Live }) {
  useLive(live);
  const filter = live.logFilter;
  const paused = live.logPaused;
  const setFilter = (f: string): void => {
    live.logFilter = f;
    live.changed();
  };
  const setPaused = (p: LogEntry[] | null): void => {
    live.logPaused = p;
    live.changed();
  };
  const [open, setOpen] = useState<number | null>(null);

  // The server's linear-time engine: a pattern typed here cannot freeze the page either.
  const re = useMemo((): Pattern | string | null => {
    if (!filter) return null;
    const p = tryCompilePattern(filter, { ignoreCase: true });
    return p instanceof PatternError ? p.message : p;
  }, [filter]);

  const source = paused ?? live.log;
  const matching =
    typeof re === 'string'
      ? []
      : re === null
        ? source
        : source.filter((e) => re.testHead(e.name) || re.testHead(e.text));
  const shown = matching.slice(-SHOWN).reverse();
  const behind = paused ? live.logSeq - (paused[paused.length - 1]?.seq ?? 0) : 0;

  return (
    <div class="events">
      <div class="toolbar">
        <h2>Events</h2>
        <input
          class="filter"
          type="search"
          name="filter"
          placeholder="filter: regex on name and headers, e.g. ^Queue|Channel: SIP/"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
          aria-invalid={typeof re === 'string'}
        />
        <button
          type="button"
          onClick={() => setPaused(paused ? null : [...live.log])}
          aria-pressed={paused !== null}
        >
          {paused ? `Resume (${behind} new)` : 'Pause'}
        </button>
        <button
          type="button"
          class="ghost"
          onClick={() => {
            live.log = [];
            setPaused(null);
            live.changed();
          }}
        >
          Clear
        </button>
        <span class="muted">
          {matching.length} of {source.length} (keeps the last {LOG_LIMIT})
        </span>
      </div>
      {typeof re === 'string' && <p class="error">Filter: {re}</p>}
      <ol class="log" aria-label="Event log">
        {shown.map((e) => (
          <li key={e.seq} class={open === e.seq ? 'open' : ''} data-event={e.name}>
            <button type="button" class="log-line" onClick={() => setOpen(open === e.seq ? null : e.seq)}>
              <span class="mono muted">{new Date(e.at).toLocaleTimeString()}</span>
              <span class="ev-name">{e.name}</span>
              <span class="mono summary">{summary(e)}</span>
            </button>
            {open === e.seq && <pre class="mono">{e.text}</pre>}
          </li>
        ))}
      </ol>
      {matching.length > SHOWN && <p class="muted">Showing the newest {SHOWN}.</p>}
    </div>
  );
}

function summary(e: LogEntry): string {
  const keys = [
    'Channel',
    'Queue',
    'Peer',
    'PeerStatus',
    'ChannelStateDesc',
    'UserEvent',
    'Uniqueid',
    'Status',
  ];
  const out: string[] = [];
  for (const k of keys) {
    const v = e.msg[k];
    if (v !== undefined) out.push(`${k}=${Array.isArray(v) ? v.join(',') : v}`);
  }
  return out.join('  ');
}
