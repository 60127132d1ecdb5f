import { useEffect, useState } from 'preact/hooks';
import type { Live } from './live';

/** Re-renders the component whenever the live model changes (at most once per frame). */
export function useLive(live: Live): number {
  const [, setSeen] = useState(live.version);
  useEffect(() => live.subscribe(() => setSeen(live.version)), [live]);
  return live.version;
}

/** Re-renders every `ms` (running clocks: waits, durations). */
export function useTick(ms = 1000): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setN((x) => x + 1), ms);
    return () => clearInterval(t);
  }, [ms]);
  return n;
}
