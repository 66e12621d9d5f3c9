/** `npm run sandbox`: starts the EAS sandbox from environment variables and stops it on SIGINT/SIGTERM. */
import { SANDBOX_PORT_DEFAULT } from '../eas/contract';
import { startSandbox } from './server';
import { DEFAULT_OPTIONS, DEFAULT_SIZES, type SandboxOptions, type SandboxSizes } from './types';

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

function sessions(raw: string | undefined): SandboxOptions['sessions'] {
  if (!raw || raw === 'none') return 'none';
  if (raw === 'all') return 'all';
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** SANDBOX_SIZE_<NAME> in upper snake case, e.g. SANDBOX_SIZE_IMS_RECORDS. */
function sizes(): SandboxSizes {
  const out = { ...DEFAULT_SIZES };
  for (const k of Object.keys(out) as Array<keyof SandboxSizes>) {
    out[k] = num(`SANDBOX_SIZE_${k.replace(/[A-Z0-9]+/g, (m) => `_${m}`).toUpperCase()}`, out[k]);
  }
  return out;
}

async function main(): Promise<void> {
  const e = process.env;
  const sandbox = await startSandbox({
    port: num('SANDBOX_PORT', SANDBOX_PORT_DEFAULT),
    host: e.SANDBOX_HOST || DEFAULT_OPTIONS.host,
    email: e.SANDBOX_EMAIL || DEFAULT_OPTIONS.email,
    password: e.SANDBOX_PASSWORD || DEFAULT_OPTIONS.password,
    gstnUsername: e.SANDBOX_GSTN_USERNAME || DEFAULT_OPTIONS.gstnUsername,
    sessionMaxAgeMs: e.SANDBOX_SESSION_MAX_AGE_SECONDS ? num('SANDBOX_SESSION_MAX_AGE_SECONDS', 0) * 1000 : DEFAULT_OPTIONS.sessionMaxAgeMs,
    sessions: sessions(e.SANDBOX_SESSIONS),
    taskSeconds: num('SANDBOX_TASK_SECONDS', DEFAULT_OPTIONS.taskSeconds),
    retentionMs: e.SANDBOX_RETENTION_SECONDS ? num('SANDBOX_RETENTION_SECONDS', 0) * 1000 : DEFAULT_OPTIONS.retentionMs,
    seed: num('SANDBOX_SEED', DEFAULT_OPTIONS.seed),
    sizes: sizes(),
    log: e.SANDBOX_LOG !== '0',
  });
  console.log(`EAS sandbox listening on ${sandbox.url} (admin API under ${sandbox.url}/__sandbox/)`);
  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
