/**
 * The three AJAM output formats of main/manager.c: raw AMI text (/rawman), an HTML table (/manager)
 * and XML (/mxml), byte for byte: xml_translate(), xml_copy_escape() and the page frames written by
 * generic_http_callback() and auth_http_callback().
 */
import type { Param } from './params.js';

export type AjamFormat = 'raw' | 'html' | 'xml';

/** `Content-type: text/<this>` (contenttype[] in manager.c). */
export const CONTENT_SUBTYPE: Record<AjamFormat, string> = { raw: 'plain', html: 'html', xml: 'xml' };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * xml_copy_escape(): `<>"'&` become entities; mode 1 lowercases; mode 2 (attribute names) turns every
 * non-alphanumeric byte into `_` and puts `_` before a leading digit.
 */
export function xmlCopyEscape(src: string, mode: number): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (mode & 2) {
      if (i === 0 && isDigit(c)) {
        out += '_' + src[i];
        continue;
      } else if (!isAlnum(c)) {
        out += '_';
        continue;
      }
    }
    switch (c) {
      case 60:
        out += '&lt;';
        break;
      case 62:
        out += '&gt;';
        break;
      case 34:
        out += '&quot;';
        break;
      case 39:
        out += '&apos;';
        break;
      case 38:
        out += '&amp;';
        break;
      default:
        out += mode && c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : src[i];
    }
  }
  return out;
}

/** Trailing bytes below 33 removed (ast_trim_blanks). */
function trimEnd(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) < 33) e--;
  return e === s.length ? s : s.slice(0, e);
}

/** Leading bytes below 33 skipped (ast_skip_blanks). */
function skipBlanks(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) < 33) i++;
  return i === 0 ? s : s.slice(i);
}

/**
 * xml_translate(): AMI text -> XML elements or HTML rows. Each blank-line-separated block is one
 * object; `Name: value` lines are attributes (XML, names lowercased, repeated names suffixed `-2`,
 * `-3`...) or table rows (HTML); a line without a colon starts `Opaque-data` that runs to the block end.
 */
export function xmlTranslate(input: string, params: readonly Param[], format: 'html' | 'xml'): string {
  const xml = format === 'xml';
  let dest = '';
  let objtype = '';
  if (xml) {
    // Asterisk copies these two parameters unescaped; they are escaped here so a URL cannot inject markup.
    dest = xmlCopyEscape(lastParam(params, 'ajaxdest') || 'unknown', 0);
    objtype = xmlCopyEscape(lastParam(params, 'ajaxobjtype') || 'generic', 0);
  }
  let out = '';
  let inData = false;
  let inObj = false;
  let counts: Map<string, number> | null = null;
  const n = input.length;
  let pos: number | null = 0;
  while (pos !== null && pos < n) {
    // strsep(&in, "\r\n"), then one LF after the separator is skipped.
    const start: number = pos;
    let end = start;
    while (end < n && input.charCodeAt(end) !== 13 && input.charCodeAt(end) !== 10) end++;
    let val = input.slice(start, end);
    if (end >= n) pos = null;
    else {
      pos = end + 1;
      if (pos < n && input.charCodeAt(pos) === 10) pos++;
    }
    val = trimEnd(val);
    if (val.length === 0) {
      if (inData) {
        out += xml ? "'" : '</td></tr>\n';
        inData = false;
      }
      if (inObj) {
        out += xml ? ' /></response>\n' : '<tr><td colspan="2"><hr></td></tr>\r\n';
        inObj = false;
        counts = null;
      }
      continue;
    }
    if (!inObj) {
      if (xml) out += `<response type='object' id='${dest}'><${objtype}`;
      counts = new Map();
      inObj = true;
    }
    if (inData) {
      out += xml ? '\n' : '<br>\n';
      out += xmlCopyEscape(val, 0);
      continue;
    }
    let name: string;
    const colon = val.indexOf(':');
    if (colon >= 0) {
      name = trimEnd(val.slice(0, colon));
      val = skipBlanks(val.slice(colon + 1));
    } else {
      name = 'Opaque-data';
      inData = true;
    }
    out += xml ? ' ' : '<tr><td>';
    const cnt = (counts?.get(name) ?? 0) + 1;
    counts?.set(name, cnt);
    out += xmlCopyEscape(name, xml ? 3 : 0);
    if (cnt > 1) out += '-' + cnt;
    out += xml ? "='" : '</td><td>';
    out += xmlCopyEscape(val, 0);
    const atEnd = pos === null || pos >= n;
    if (!inData || atEnd) out += xml ? "'" : '</td></tr>\n';
  }
  if (inObj) out += xml ? ' /></response>\n' : '<tr><td colspan="2"><hr></td></tr>\r\n';
  return out;
}

/** xml_translate() takes the last of repeated variables (it loops over all and keeps overwriting). */
function lastParam(params: readonly Param[], name: string): string {
  let v = '';
  for (const [n, x] of params) if (n.toLowerCase() === name) v = x;
  return v;
}

const ROW = (s: string): string => `<tr><td colspan="2" bgcolor="#f1f1ff">${s}</td></tr>\r\n`;
const TEST_FORM =
  '<form action="manager" method="post">\n' +
  '\tAction: <select name="action">\n' +
  '\t\t<option value="">-----&gt;</option>\n' +
  '\t\t<option value="login">login</option>\n' +
  '\t\t<option value="command">Command</option>\n' +
  '\t\t<option value="waitevent">waitevent</option>\n' +
  '\t\t<option value="listcommands">listcommands</option>\n' +
  '\t</select>\n' +
  '\tor <input name="action"><br/>\n' +
  '\tCLI Command <input name="command"><br>\n' +
  '\tuser <input name="username"> pass <input type="password" name="secret"><br>\n' +
  '\t<input type="submit">\n</form>\n';

const GENERIC_HTML_HEAD =
  '<title>Asterisk&trade; Manager Interface</title>' +
  '<body bgcolor="#ffffff"><table align=center bgcolor="#f1f1f1" width="500">\r\n' +
  ROW('<h1>Manager Tester</h1>') +
  ROW(TEST_FORM);
const GENERIC_HTML_TAIL = '</table></body>\r\n';

const AUTH_HTML_HEAD =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n' +
  '<html><head>\r\n' +
  '<title>Asterisk&trade; Manager Interface</title>\r\n' +
  '</head><body style="background-color: #ffffff;">\r\n' +
  '<form method="POST">\r\n' +
  '<table align="center" style="background-color: #f1f1f1;" width="500">\r\n' +
  '<tr><th colspan="2" style="background-color: #f1f1ff;"><h1>Manager Tester</h1></th></tr>\r\n' +
  '<tr><th colspan="2" style="background-color: #f1f1ff;">Action: <input name="action" /> Cmd: <input name="command" /><br>' +
  '<input type="submit" value="Send request" /></th></tr>\r\n';
const AUTH_HTML_TAIL = '</table></form></body></html>\r\n';

/**
 * The response body for AMI output `text`: as is (raw), or framed and translated. `digest` selects the
 * page frame of the /a* URIs (auth_http_callback) instead of generic_http_callback's.
 */
export function renderAjam(
  text: string,
  params: readonly Param[],
  format: AjamFormat,
  digest = false,
): string {
  if (format === 'raw') return text;
  if (format === 'xml') return '<ajax-response>\n' + xmlTranslate(text, params, 'xml') + '</ajax-response>\n';
  const [head, tail] = digest ? [AUTH_HTML_HEAD, AUTH_HTML_TAIL] : [GENERIC_HTML_HEAD, GENERIC_HTML_TAIL];
  return head + xmlTranslate(text, params, 'html') + tail;
}
