/**
 * Tests that need a program from the system (sipp, chromium, openssl) skip, with a message, where it
 * is missing, except where AMIKIT_REQUIRE names it (CI sets AMIKIT_REQUIRE=sipp,chromium,openssl):
 * there a missing program fails the test file instead of hiding its tests as skipped.
 */
export type RequiredTool = 'sipp' | 'chromium' | 'openssl';

/** The tools AMIKIT_REQUIRE names (comma- or space-separated). */
export function requiredTools(env: NodeJS.ProcessEnv = process.env): Set<string> {
  return new Set(
    (env.AMIKIT_REQUIRE ?? '')
      .split(/[\s,]+/)
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * `false` when the tool is there (run the tests), the skip message when it is missing; throws when it
 * is missing and required.
 */
export function skipUnless(
  tool: RequiredTool,
  available: boolean,
  message: string,
  env: NodeJS.ProcessEnv = process.env,
): false | string {
  if (available) return false;
  if (requiredTools(env).has(tool))
    throw new Error(`AMIKIT_REQUIRE names ${tool}, which is not available: ${message}`);
  return message;
}
