/**
 * Refuse to start wrong: with NODE_ENV=production the worker needs its gateway and a credentials source, set
 * explicitly. Nothing falls back to the sandbox: a worker missing its secrets does not start "green", and no
 * default password travels to a real auth host.
 *
 * A credentials source is either GST_CREDENTIALS_FILE (per-GSTIN credentials, read by the credentials provider)
 * or the single-tenant EAS_EMAIL + EAS_PASSWORD + GSTN_USERNAME. `CREDENTIAL_SOURCES` is the one list of them.
 */

export const PRODUCTION_GATEWAY_VARS = ['EAS_BASE_URL', 'EAS_AUTH_URL'] as const;

/** Each source is complete when all its variables are set. */
export const CREDENTIAL_SOURCES: ReadonlyArray<{ name: string; vars: readonly string[] }> = [
  { name: 'a credentials file', vars: ['GST_CREDENTIALS_FILE'] },
  { name: 'single-tenant settings', vars: ['EAS_EMAIL', 'EAS_PASSWORD', 'GSTN_USERNAME'] },
];

export function isProduction(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV === 'production';
}

const isSet = (env: NodeJS.ProcessEnv, name: string) => (env[name] ?? '').trim() !== '';

/** What a production worker lacks, one phrase each, naming the variables; empty = ready. */
export function productionProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const gateway = PRODUCTION_GATEWAY_VARS.filter((n) => !isSet(env, n));
  if (gateway.length) problems.push(`the EAS gateway is not set: ${gateway.join(', ')}`);
  if (!CREDENTIAL_SOURCES.some((s) => s.vars.every((v) => isSet(env, v)))) {
    const partial = CREDENTIAL_SOURCES.find((s) => s.vars.some((v) => isSet(env, v)));
    const ways = CREDENTIAL_SOURCES.map((s) => s.vars.join(' + ')).join(', or ');
    problems.push(
      partial
        ? `${partial.name} is incomplete: ${partial.vars.filter((v) => !isSet(env, v)).join(', ')} missing`
        : `no credentials source: set ${ways}`,
    );
  }
  return problems;
}

/** The refusal, as one line. */
export function productionRefusal(problems: string[]): string {
  return `refusing to start with NODE_ENV=production: ${problems.join('; ')}`;
}
