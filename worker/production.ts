/**
 * Refuse to start wrong: with NODE_ENV=production the worker needs its gateway and a credentials source, set
 * explicitly. Nothing falls back to the sandbox: a worker missing its secrets does not start "green", and no
 * default password travels to a real auth host.
 *
 * A credentials source is either GST_CREDENTIALS_FILE (per-GSTIN credentials) or the single-tenant EAS_EMAIL +
 * EAS_PASSWORD + GSTN_USERNAME / GSTN_USERNAMES; the credentials provider (eas/credentials.ts) is the one that knows
 * them, and is asked here.
 */
import { credentialSourceProblem } from '../eas/credentials';

export const PRODUCTION_GATEWAY_VARS = ['EAS_BASE_URL', 'EAS_AUTH_URL'] as const;

export function isProduction(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV === 'production';
}

const isSet = (env: NodeJS.ProcessEnv, name: string) => (env[name] ?? '').trim() !== '';

/** What a production worker lacks, one phrase each, naming the variables; empty = ready. */
export function productionProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const gateway = PRODUCTION_GATEWAY_VARS.filter((n) => !isSet(env, n));
  if (gateway.length) problems.push(`the EAS gateway is not set: ${gateway.join(', ')}`);
  const credentials = credentialSourceProblem(env);
  if (credentials) problems.push(credentials);
  return problems;
}

/** The refusal, as one line. */
export function productionRefusal(problems: string[]): string {
  return `refusing to start with NODE_ENV=production: ${problems.join('; ')}`;
}
