/**
 * Replays what a real Asterisk 20.20.1 wrote (test/fixtures/conformance/*.jsonl) through the client's
 * parsing and dispatch path, with the recorded actions registered in the order they were sent, and
 * checks that every message is parsed as Asterisk meant it and every answer reaches its action.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AmiParser, type AmiMessage } from '../../src/protocol/index.js';
import {
  Dispatcher,
  headersOf,
  isListAction,
  isListResult,
  type AmiEvent,
  type AmiListResult,
  type AmiResponse,
  type AnyParams,
} from '../../src/client/index.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'conformance');

interface Rec {
  t: number;
  conn: string;
  dir: 'send' | 'recv' | 'event';
  data: string;
}

/** Independent reading of a server stream: blocks of non-blank lines (CRLF or LF), after the banner. */
function blocks(text: string): { banner: string; blocks: string[][] } {
  const lines = text.split('\n');
  const last = lines.pop(); // text after the final LF: an unfinished line, never a message
  void last;
  const strip = (l: string): string => (l.endsWith('\r') ? l.slice(0, -1) : l);
  const banner = strip(lines.shift() ?? '');
  const out: string[][] = [];
  let cur: string[] = [];
  for (const raw of lines) {
    const l = strip(raw);
    if (l === '') {
      if (cur.length > 0) out.push(cur);
      cur = [];
    } else cur.push(l);
  }
  return { banner, blocks: out };
}

interface Outcome {
  action: string;
  id: string;
  value?: AmiResponse | AmiListResult | AmiEvent;
  error?: Error;
}

let listsSeen = 0;

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.jsonl'))
  .sort();

test('there are transcripts to replay', () => {
  assert.ok(files.length >= 20, `${files.length} transcripts`);
});

for (const file of files) {
  test(`replay ${file}`, async () => {
    const recs = readFileSync(join(DIR, file), 'latin1')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(1)
      .map((l) => JSON.parse(l) as Rec);
    const byConn = new Map<string, Rec[]>();
    for (const r of recs) {
      let a = byConn.get(r.conn);
      if (!a) byConn.set(r.conn, (a = []));
      a.push(r);
    }
    let replayed = 0;
    for (const [conn, list] of byConn) {
      const sends = list.filter((r) => r.dir === 'send').map((r) => r.data);
      const recvs = list.filter((r) => r.dir === 'recv');
      if (recvs.length === 0) continue;
      if (sends.length > 0 && /^(GET|POST|HEAD) /.test(sends[0])) continue; // HTTP, not AMI
      replayed++;
      const where = `${file} [${conn}]`;

      // The client's path: parser (utf8, banner) → dispatcher.
      const parsed: AmiMessage[] = [];
      const unsolicited: AmiMessage[] = [];
      const unmatched: AmiResponse[] = [];
      const others: AmiMessage[] = [];
      let banner = '';
      const dispatcher = new Dispatcher({
        onEvent: (m) => unsolicited.push(m),
        onUnmatched: (r) => unmatched.push(r),
        onOther: (m) => others.push(m),
      });
      const parser = new AmiParser(
        (m) => {
          parsed.push(m);
          dispatcher.handle(m);
        },
        { encoding: 'utf8', banner: true },
      );
      parser.onBanner = (b) => (banner = b);
      const outcomes: Outcome[] = [];
      const sentParser = AmiParser.forServer((a) => {
        const action = a.get('Action') ?? '';
        const id = a.get('ActionID') ?? '';
        const params = a.toObject() as AnyParams;
        const asyncOrig = /^originate$/i.test(action) && /^(true|yes|1)$/i.test(a.get('Async') ?? '');
        const o: Outcome = { action, id };
        outcomes.push(o);
        dispatcher
          .register({
            action,
            actionId: id,
            mode: asyncOrig ? 'originate' : isListAction(action, params) ? 'list' : 'single',
            timeoutMs: 0,
          })
          .then(
            (v) => (o.value = v),
            (e: Error) => (o.error = e),
          );
      });
      let recvText = '';
      for (const r of list) {
        const bytes = Buffer.from(r.data, 'latin1');
        if (r.dir === 'send') sentParser.feed(bytes);
        else if (r.dir === 'recv') {
          recvText += bytes.toString('utf8');
          parser.feed(bytes);
        }
      }
      await new Promise((r) => setImmediate(r));

      // 1. Every message, exactly as the blocks Asterisk wrote.
      const expected = blocks(recvText);
      assert.match(banner, /^Asterisk Call Manager\/\d+\.\d+\.\d+$/, `${where}: banner`);
      assert.equal(banner, expected.banner);
      assert.equal(parsed.length, expected.blocks.length, `${where}: message count`);
      for (let i = 0; i < parsed.length; i++) {
        assert.deepEqual(parsed[i].lines, expected.blocks[i], `${where}: message ${i}`);
        // Headers: exact values, repeated headers kept in order.
        const h = headersOf(parsed[i]);
        const flat: Array<[string, string]> = [];
        for (const [k, v] of Object.entries(h))
          for (const x of Array.isArray(v) ? v : [v]) flat.push([k, x as string]);
        const want: Array<[string, string]> = [];
        for (const l of expected.blocks[i]) {
          const c = l.indexOf(':');
          if (c >= 0) want.push([l.slice(0, c), l[c + 1] === ' ' ? l.slice(c + 2) : l.slice(c + 1)]);
        }
        const order = (a: Array<[string, string]>) =>
          [...a].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
        assert.deepEqual(order(flat), order(want), `${where}: headers of message ${i}`);
      }

      // 2. Nothing lost: every message went to an action, a list, or the listeners.
      let listed = 0;
      let answered = 0;
      for (const o of outcomes) {
        if (o.value !== undefined) {
          answered++;
          if (isListResult(o.value as AmiResponse)) listed += (o.value as AmiListResult).events.length + 1;
          else if ((o.value as AmiEvent).Event === 'OriginateResponse') listed += 0; // also in unsolicited
        } else if (o.error !== undefined) answered++;
      }
      const originateOk = outcomes.filter(
        (o) => (o.value as AmiEvent | undefined)?.Event === 'OriginateResponse',
      ).length;
      // Responses: answered actions (+ still-pending async originates that got their response).
      const responses = parsed.filter((m) => m.kind === 'response').length;
      const stillPendingAfterResponse = responses - unmatched.length - answered;
      assert.ok(stillPendingAfterResponse >= 0, `${where}: more answers than responses`);
      assert.equal(
        parsed.length,
        responses + listed + unsolicited.length + others.length,
        `${where}: every message accounted for`,
      );
      assert.equal(others.length, 0, `${where}: only responses and events`);
      void originateOk;

      // 3. Every response with an ActionID reached the action that sent it.
      for (const m of parsed) {
        if (m.kind !== 'response') continue;
        const id = m.get('ActionID');
        if (id === undefined) continue;
        const o = outcomes.find((x) => x.id.replace(/^\s+/, '') === id);
        if (o === undefined) continue;
        assert.ok(
          o.value !== undefined || o.error !== undefined || /^originate$/i.test(o.action),
          `${where}: ${o.action} ${id} settled`,
        );
        if (m.get('Response') === 'Error')
          assert.equal(o.error?.name, 'AmiError', `${where}: ${id} is an AmiError`);
      }

      listsSeen += outcomes.filter(
        (o) => o.value !== undefined && isListResult(o.value as AmiResponse),
      ).length;
      // 4. Lists: assembled with exactly the events Asterisk sent for that ActionID, ended by the Complete event.
      for (const o of outcomes) {
        if (o.value === undefined || !isListResult(o.value as AmiResponse)) continue;
        const l = o.value as AmiListResult;
        const mine = parsed.filter((m) => m.kind === 'event' && m.get('ActionID') === o.id);
        assert.equal(l.events.length + 1, mine.length, `${where}: ${o.action} ${o.id} list events`);
        assert.equal(l.complete.EventList, 'Complete');
        assert.match(l.complete.Event, /Complete$/);
        if (typeof l.complete.ListItems === 'string') {
          assert.equal(Number(l.complete.ListItems), l.events.length, `${where}: ${o.id} ListItems`);
        }
      }
    }
    const http = /_http_/.test(file);
    if (!http) assert.ok(replayed > 0, `${file}: at least one AMI connection replayed`);
  });
}

test('the replay assembled the recorded lists (QueueStatus, Status, CoreShowChannels, DBGet, SIPpeers, Hangup /regex/, ...)', () => {
  assert.ok(listsSeen >= 25, `${listsSeen} lists assembled`);
});
