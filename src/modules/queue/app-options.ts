/** The Queue() application's option letters and the bridge features they grant. */

/** ast_app_parse_options over Queue()'s option letters: letter -> argument (b, B, F, m take one). */
export function parseQueueOptions(options: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (let i = 0; i < options.length; i++) {
    const l = options[i];
    if (!/[A-Za-z]/.test(l)) continue;
    let arg: string | undefined;
    if (options[i + 1] === '(' && 'bBFm'.includes(l)) {
      // The closing parenthesis, nested ones counted.
      let depth = 1;
      let end = i + 2;
      for (; end < options.length; end++) {
        if (options[end] === '(') depth++;
        else if (options[end] === ')' && --depth === 0) break;
      }
      arg = options.slice(i + 2, end);
      i = end;
    }
    out.set(l, arg);
  }
  return out;
}

/** The AST_FEATURE_* flags each side of the bridge gets from the options. */
export function bridgeFeatures(opts: Map<string, string | undefined>): { caller: string; callee: string } {
  const side = (letters: Array<[string, string]>): string =>
    letters
      .filter(([l]) => opts.has(l))
      .map(([, f]) => f)
      .join(',');
  return {
    caller: side([
      ['T', 'REDIRECT'],
      ['H', 'DISCONNECT'],
      ['W', 'AUTOMON'],
      ['K', 'PARKCALL'],
      ['X', 'AUTOMIXMON'],
    ]),
    callee: side([
      ['t', 'REDIRECT'],
      ['h', 'DISCONNECT'],
      ['w', 'AUTOMON'],
      ['k', 'PARKCALL'],
      ['x', 'AUTOMIXMON'],
    ]),
  };
}
