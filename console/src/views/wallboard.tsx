/**
 * Queue wallboard: one card per queue with large numbers, meant to be read from across a room.
 * Callers waiting and the longest wait turn amber, then red past the queue's service level.
 */
import { useLive, useTick } from '../hooks';
import { clockText, queueFigures, type Live, type Queue } from '../live';

function waitClass(longest: number, sl: number): string {
  const limit = Number.isFinite(sl) && sl > 0 ? sl : 60;
  if (longest >= limit) return 'bad';
  if (longest >= limit / 2) return 'warn';
  return '';
}

function QueueCard({ q, now }: { q: Queue; now: number }) {
  const f = queueFigures(q, now);
  // Asterisk reports 0.0 % before the first completed call: no calls is no service level yet.
  const sl =
    Number.isFinite(q.serviceLevelPerf) && q.completed > 0 ? `${Math.round(q.serviceLevelPerf)}%` : '–';
  return (
    <section class="qcard" data-queue={q.name} aria-label={`Queue ${q.name}`}>
      <header>
        <h2>{q.name}</h2>
        {q.strategy && <span class="muted">{q.strategy}</span>}
      </header>
      <div class="big-row">
        <div class={`big ${f.waiting > 0 ? 'warn' : ''}`}>
          <span class="value" data-metric="waiting">
            {f.waiting}
          </span>
          <span class="label">waiting</span>
        </div>
        <div class={`big ${f.waiting > 0 ? waitClass(f.longest, q.serviceLevel) : ''}`}>
          <span class="value" data-metric="longest">
            {f.waiting > 0 ? clockText(f.longest) : '0:00'}
          </span>
          <span class="label">longest wait</span>
        </div>
      </div>
      <div class="agents">
        <div class="agent available">
          <span class="value" data-metric="available">
            {f.agents.available}
          </span>
          <span class="label">available</span>
        </div>
        <div class="agent ringing">
          <span class="value" data-metric="ringing">
            {f.agents.ringing}
          </span>
          <span class="label">ringing</span>
        </div>
        <div class="agent busy">
          <span class="value" data-metric="busy">
            {f.agents.busy}
          </span>
          <span class="label">busy</span>
        </div>
        <div class="agent paused">
          <span class="value" data-metric="paused">
            {f.agents.paused}
          </span>
          <span class="label">paused</span>
        </div>
        <div class="agent unavailable">
          <span class="value" data-metric="unavailable">
            {f.agents.unavailable}
          </span>
          <span class="label">unavailable</span>
        </div>
      </div>
      <dl class="stats">
        <div>
          <dt data-label="sl">
            service level
            {Number.isFinite(q.serviceLevel) && q.serviceLevel > 0 && (
              <span class="unit"> ({q.serviceLevel} s)</span>
            )}
          </dt>
          <dd data-metric="sl">{sl}</dd>
        </div>
        <div>
          <dt>completed</dt>
          <dd data-metric="completed">{q.completed}</dd>
        </div>
        <div>
          <dt>abandoned</dt>
          <dd data-metric="abandoned" class={q.abandoned > 0 ? 'bad-text' : ''}>
            {q.abandoned}
          </dd>
        </div>
      </dl>
      {q.callers.size > 0 && (
        <ol class="callers">
          {[...q.callers.values()]
            .sort((a, b) => a.joined - b.joined)
            .slice(0, 5)
            .map((c) => (
              <li key={c.uniqueid}>
                <span>{c.cid || c.channel}</span>
                <span class="mono">{clockText((now - c.joined) / 1000)}</span>
              </li>
            ))}
          {q.callers.size > 5 && <li class="muted">+{q.callers.size - 5} more</li>}
        </ol>
      )}
    </section>
  );
}

export function Wallboard({ live }: { live: Live }) {
  useLive(live);
  useTick(1000);
  const now = Date.now();
  const queues = [...live.queues.values()].sort((a, b) => a.name.localeCompare(b.name));
  const noActions = live.caps.queueStatus === 'no';
  let waiting = 0;
  let longest = 0;
  let available = 0;
  for (const q of queues) {
    const f = queueFigures(q, now);
    waiting += f.waiting;
    if (f.waiting > 0) longest = Math.max(longest, f.longest);
    available += f.agents.available;
  }
  return (
    <div class="wallboard">
      <div class="totals" aria-label="All queues">
        <div class={`total ${waiting > 0 ? 'warn' : ''}`}>
          <span class="value" data-metric="total-waiting">
            {waiting}
          </span>
          <span class="label">calls waiting</span>
        </div>
        <div class="total">
          <span class="value">{waiting > 0 ? clockText(longest) : '0:00'}</span>
          <span class="label">longest wait</span>
        </div>
        <div class="total ok">
          <span class="value">{available}</span>
          <span class="label">agents available</span>
        </div>
        <div class="total">
          <span class="value">{queues.length}</span>
          <span class="label">queues</span>
        </div>
      </div>
      {noActions && (
        <p class="notice" data-testid="queue-degraded">
          This server does not know QueueStatus
          {live.caps.queueSummary === 'yes' ? ' (QueueSummary gives the counts)' : ''}: the wallboard shows
          what the live Queue* and Agent* events tell.
        </p>
      )}
      {queues.length === 0 ? (
        <p class="empty">
          {live.caps.queueStatus === 'unknown'
            ? 'Loading queues…'
            : 'No queues yet: they appear with their first event.'}
        </p>
      ) : (
        <div class="qgrid">
          {queues.map((q) => (
            <QueueCard key={q.name} q={q} now={now} />
          ))}
        </div>
      )}
    </div>
  );
}
