import { useState } from 'preact/hooks';

export function Login(props: { notice: string; onLogin: (user: string, secret: string) => Promise<void> }) {
  const [user, setUser] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    if (busy) return;
    setBusy(true);
    setError('');
    try {
      await props.onLogin(user.trim(), secret);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };

  return (
    <div class="login-page">
      <form class="login-card" onSubmit={submit} aria-label="Log in">
        <h1>amikit console</h1>
        <p class="muted">Log in with a manager.conf user.</p>
        {props.notice && <p class="notice">{props.notice}</p>}
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            autoFocus
            required
            value={user}
            onInput={(e) => setUser(e.currentTarget.value)}
          />
        </label>
        <label>
          Secret
          <input
            name="secret"
            type="password"
            autoComplete="current-password"
            value={secret}
            onInput={(e) => setSecret(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || user.trim() === ''}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </div>
  );
}
