/**
 * What an action handler sees: the request, its session, the manager, and the reply helpers that
 * reproduce Asterisk's astman_send_* framing (ActionID placement, EventList lists).
 */
import type { AmiMessage } from '../protocol/message.js';
import { sanitizeValue } from '../protocol/serializer.js';
import type { Session } from './session.js';
import type { Manager } from './manager.js';

export type Pairs = ReadonlyArray<readonly [string, string]>;

export class ActionContext {
  readonly message: AmiMessage;
  readonly session: Session;
  readonly manager: Manager;
  /** The request's ActionID ('' when absent or empty: then it is never echoed). */
  readonly actionId: string;
  /** Set by a handler (Logoff, failed Login) to end the session after its reply. */
  endSession = false;
  /** The `Response:` of the first reply written ('' until then); read by metrics. */
  result = '';

  constructor(message: AmiMessage, session: Session, manager: Manager) {
    this.message = message;
    this.session = session;
    this.manager = manager;
    this.actionId = message.header('ActionID');
  }

  /** astman_get_header(): first value, leading blanks skipped, '' when absent. */
  get(name: string): string {
    return this.message.header(name);
  }

  /** Every value of a repeated header (Variable, ...). */
  getAll(name: string): string[] {
    return this.message.getAll(name);
  }

  /** Writes raw wire text (astman_append). */
  append(text: string): void {
    if (!this.result && text.startsWith('Response: ')) this.result = text.slice(10, text.indexOf('\r'));
    this.session.write(text);
  }

  /** `Response: <r>`, ActionID, optional EventList, optional Message, blank line (astman_send_response_full). */
  respond(response: string, message?: string, listFlag?: string): void {
    if (!this.result) this.result = response;
    let s = 'Response: ' + response + '\r\n' + this.idLine();
    if (listFlag !== undefined) s += 'EventList: ' + listFlag + '\r\n';
    if (message !== undefined) s += 'Message: ' + sanitizeValue(message) + '\r\n';
    this.session.write(s + '\r\n');
  }

  ack(message?: string): void {
    this.respond('Success', message);
  }

  error(message: string): void {
    this.respond('Error', message);
  }

  /** `Response: Success` + ActionID + the given headers (astman_start_ack then appends). */
  success(pairs: Pairs): void {
    if (!this.result) this.result = 'Success';
    this.session.write('Response: Success\r\n' + this.idLine() + formatBody(pairs) + '\r\n');
  }

  /** Start of an event list: `EventList: start` and the message (astman_send_listack). */
  listStart(message: string): void {
    this.respond('Success', message, 'start');
  }

  /**
   * One list item. Where ActionID goes differs between actions; by default it follows the Event line.
   * Pass `idAfter` to place it after that many body headers instead.
   */
  listItem(event: string, pairs: Pairs, idAfter = 0): void {
    let s = 'Event: ' + event + '\r\n';
    if (idAfter === 0) s += this.idLine();
    for (let i = 0; i < pairs.length; i++) {
      s += pairs[i][0] + ': ' + sanitizeValue(pairs[i][1]) + '\r\n';
      if (i + 1 === idAfter) s += this.idLine();
    }
    this.session.write(s + '\r\n');
  }

  /** `Event: XComplete`, ActionID, `EventList: Complete`, `ListItems: n`, extra headers. */
  listComplete(event: string, count: number, extra: Pairs = []): void {
    this.session.write(
      'Event: ' +
        event +
        '\r\n' +
        this.idLine() +
        'EventList: Complete\r\nListItems: ' +
        count +
        '\r\n' +
        formatBody(extra) +
        '\r\n',
    );
  }

  /** `ActionID: x\r\n`, or '' when there is none. */
  idLine(): string {
    return this.actionId.length > 0 ? 'ActionID: ' + sanitizeValue(this.actionId) + '\r\n' : '';
  }
}

export function formatBody(pairs: Pairs): string {
  let s = '';
  for (const [n, v] of pairs) s += n + ': ' + sanitizeValue(v) + '\r\n';
  return s;
}
