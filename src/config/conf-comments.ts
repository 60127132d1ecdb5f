/**
 * Comment stripping exactly as main/config.c config_text_file_load does it, line by line: `;` ends the
 * line, `\;` is a literal semicolon, `;--` ... `--;` is a (nestable) block comment. The C code works on
 * a char buffer it cuts with NULs; we mimic that with '\0' markers so the odd cases behave the same
 * (e.g. a stray `--;` outside a block comment puts Asterisk "inside" a comment for the rest of the file).
 */
import { ConfSyntaxError } from './types.js';

export const MAX_NESTED_COMMENTS = 128;

export interface CommentState {
  /** Nesting depth; can go negative after a stray `--;`, as in Asterisk. */
  depth: number;
  /** Line numbers where open block comments began. */
  starts: number[];
}

export function newCommentState(): CommentState {
  return { depth: 0, starts: [] };
}

function cEnd(buf: string, from: number): number {
  const z = buf.indexOf('\0', from);
  return z < 0 ? buf.length : z;
}

/**
 * The part of `line` left for parsing, or null when the whole line is inside a block comment.
 * `onStray` is told about a `--;` with no block comment open.
 */
export function stripComments(
  line: string,
  st: CommentState,
  file: string,
  lineno: number,
  onStray: () => void,
): string | null {
  let buf = line;
  let processStart: number | null = st.depth ? null : 0;
  let nb = 0;
  for (;;) {
    const p = buf.indexOf(';', nb);
    if (p < 0 || p >= cEnd(buf, nb)) break;
    if (p > nb && buf[p - 1] === '\\') {
      // Escaped semicolon: drop the backslash, keep the ';' and go on after it.
      buf = buf.slice(0, p - 1) + buf.slice(p);
      nb = p;
    } else if (buf[p + 1] === '-' && buf[p + 2] === '-' && buf[p + 3] !== '-') {
      if (st.depth >= MAX_NESTED_COMMENTS) {
        // Asterisk logs an error and then loops forever on this line; refusing the file is kinder.
        throw new ConfSyntaxError(
          file,
          lineno,
          `Maximum nest limit of ${MAX_NESTED_COMMENTS} block comments reached`,
        );
      }
      buf = `${buf.slice(0, p)}\0${buf.slice(p + 1)}`;
      nb = p + 3;
      st.depth++;
      st.starts.push(lineno);
    } else if (p >= nb + 2 && buf[p - 1] === '-' && buf[p - 2] === '-') {
      if (st.depth <= 0) onStray();
      st.depth--;
      st.starts.pop();
      nb = p + 1;
      if (st.depth === 0) {
        if (processStart !== null) {
          // Splice the text after the comment onto what came before it (C: memmove over the NUL).
          const oldptr = cEnd(buf, processStart);
          const rest = buf.slice(nb, cEnd(buf, nb));
          buf = `${buf.slice(0, oldptr)}${rest}\0${buf.slice(oldptr + rest.length + 1)}`;
          nb = oldptr;
        } else {
          processStart = nb;
        }
      }
    } else if (st.depth === 0) {
      buf = `${buf.slice(0, p)}\0${buf.slice(p + 1)}`;
      nb = p;
    } else {
      nb = p + 1;
    }
  }
  if (processStart === null) return null;
  return buf.slice(processStart, cEnd(buf, processStart));
}
