/**
 * Action composer: pick an action (Asterisk 20's list from spec/, bundled at build time and loaded
 * on first use), fill its parameters (required ones marked, documentation as hints), add any other
 * headers, send, and read the response and its list events.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { SpecAction } from 'virtual:ami-spec';
import { hdr, type ActionResult, type AmiConnection, type AmiMessage, type AmiValue } from '../ami';

let specCache: SpecAction[] | null = null;

function useSpec(): SpecAction[] | null {
  const [spec, setSpec] = useState<SpecAction[] | null>(specCache);
  useEffect(() => {
    if (specCache) return;
    void import('virtual:ami-spec').then((m) => {
      specCache = m.default;
      setSpec(m.default);
    });
  }, []);
  return spec;
}

/** `Name: value` lines as headers (repeated names become arrays). */
export function parseExtra(text: string): Record<string, AmiValue> | string {
  const out: Record<string, AmiValue> = {};
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line) continue;
    const c = line.indexOf(':');
    if (c <= 0) return `line ${i + 1}: expected "Name: value"`;
    const k = line.slice(0, c).trim();
    const v = line.slice(c + 1).trim();
    const cur = out[k];
    out[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
  }
  return out;
}

function Message({ m }: { m: AmiMessage }) {
  return (
    <table class="kv">
      <tbody>
        {Object.entries(m).map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td class="mono">{Array.isArray(v) ? v.join('\n') : v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Composer({ conn }: { conn: AmiConnection }) {
  const spec = useSpec();
  const [name, setName] = useState('Ping');
  const [values, setValues] = useState<Record<string, string>>({});
  const [extra, setExtra] = useState('');
  const [result, setResult] = useState<ActionResult | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const action = useMemo(
    () => spec?.find((a) => a.name.toLowerCase() === name.trim().toLowerCase()),
    [spec, name],
  );
  const missing = action ? action.params.filter((p) => p.required && !(values[p.name] ?? '').trim()) : [];
  const extraParsed = parseExtra(extra);

  const send = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    if (typeof extraParsed === 'string' || missing.length > 0 || !name.trim()) return;
    setBusy(true);
    setError('');
    setResult(null);
    const fields: Record<string, AmiValue> = { Action: action?.name ?? name.trim() };
    for (const [k, v] of Object.entries(values)) if (v !== '') fields[k] = v;
    Object.assign(fields, extraParsed);
    try {
      setResult(await conn.action(fields));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="composer">
      <form class="compose-form" onSubmit={send} aria-label="Action composer">
        <label class="action-name">
          Action
          <input
            name="action"
            list="ami-actions"
            value={name}
            autoComplete="off"
            spellcheck={false}
            onInput={(e) => {
              setName(e.currentTarget.value);
              setValues({});
              // A response belongs to the action that was sent, not to the one now chosen.
              setResult(null);
              setError('');
            }}
          />
          <datalist id="ami-actions">
            {spec?.map((a) => (
              <option key={a.name} value={a.name}>
                {a.synopsis}
              </option>
            ))}
          </datalist>
        </label>
        {spec === null && <p class="muted">Loading action list…</p>}
        {action ? (
          <div class="action-doc">
            <p class="synopsis">{action.synopsis}</p>
            <p class="muted">
              Privilege: {action.privileges.join(', ') || 'none'}
              {action.list ? ' · answers with a list of events' : ''}
            </p>
            {action.description && <p class="description">{action.description}</p>}
          </div>
        ) : (
          spec && name.trim() && <p class="muted">Not an Asterisk 20 action: sent as typed.</p>
        )}
        {action?.params.map((p) => (
          <label key={p.name} class="param" title={p.text}>
            <span>
              {p.name}
              {p.required && (
                <abbr class="req" title="required">
                  {' '}
                  *
                </abbr>
              )}
            </span>
            <input
              name={p.name}
              required={p.required}
              value={values[p.name] ?? ''}
              onInput={(e) => setValues({ ...values, [p.name]: e.currentTarget.value })}
            />
            {p.text && <small class="hint">{p.text}</small>}
          </label>
        ))}
        <label class="param">
          <span>Other headers</span>
          <textarea
            name="extra"
            rows={3}
            placeholder={'Variable: a=1\nVariable: b=2'}
            value={extra}
            onInput={(e) => setExtra(e.currentTarget.value)}
          />
          {typeof extraParsed === 'string' && <small class="error">{extraParsed}</small>}
        </label>
        <div class="send-row">
          <button
            type="submit"
            disabled={busy || missing.length > 0 || typeof extraParsed === 'string' || !name.trim()}
          >
            {busy ? 'Sending…' : 'Send'}
          </button>
          {missing.length > 0 && <span class="muted">Required: {missing.map((p) => p.name).join(', ')}</span>}
        </div>
      </form>
      <section class="compose-result" aria-label="Response" aria-live="polite">
        {error && <p class="error">{error}</p>}
        {result && (
          <>
            <h3 class={result.ok ? 'ok-text' : 'bad-text'} data-testid="response-status">
              {hdr(result.response, 'Response')} {hdr(result.response, 'Message')}
            </h3>
            <div class="msg-card">
              <Message m={result.response} />
            </div>
            {result.events.length > 0 && (
              <>
                <h3>
                  {result.events.length} list event{result.events.length === 1 ? '' : 's'}
                </h3>
                {result.events.map((e, i) => (
                  <details key={i} open={i < 3}>
                    <summary>{hdr(e, 'Event')}</summary>
                    <Message m={e} />
                  </details>
                ))}
              </>
            )}
            {result.complete && (
              <details>
                <summary>{hdr(result.complete, 'Event')}</summary>
                <Message m={result.complete} />
              </details>
            )}
          </>
        )}
      </section>
    </div>
  );
}
