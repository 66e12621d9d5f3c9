import { SANDBOX_PORT_DEFAULT } from './contract';

export interface EasConfig {
  /** EAS gateway, e.g. https://live.enriched-api.vayana.com */
  baseUrl: string;
  /** theodore, e.g. https://services.vayana.com (routes add /theodore/apis/v1/…) */
  authUrl: string;
  email: string;
  password: string;
  /** The organisation to act for (x-flynn-n-org-id); absent = the user's first associated org. */
  orgId?: string;
  /** Requested token life in minutes (theodore clamps to 360). */
  tokenDurationMins: number;
  /** Refresh the token when it has less than this left. */
  refreshMarginMs: number;
  /** Per-request timeout for JSON calls. */
  timeoutMs: number;
  /** A ZIP transfer that sends no bytes for this long fails (retryably); there is no whole-body timeout. */
  stallTimeoutMs: number;
  /** The GSTN portal username used for OTP requests. */
  gstnUsername: string;
}

/**
 * No default credentials: they come from EAS_EMAIL / EAS_PASSWORD / GSTN_USERNAME (`npm start` and the tests fill
 * in the sandbox's user, sandbox/user.ts). Unset = empty, and a production worker refuses to start without them
 * (worker/production.ts). Outside production the gateway defaults to the sandbox's URL on this machine.
 */
export function easConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EasConfig {
  const sandbox = `http://127.0.0.1:${env.SANDBOX_PORT ?? SANDBOX_PORT_DEFAULT}`;
  const baseUrl = env.EAS_BASE_URL ?? sandbox;
  return {
    baseUrl,
    authUrl: env.EAS_AUTH_URL ?? baseUrl,
    email: env.EAS_EMAIL ?? '',
    password: env.EAS_PASSWORD ?? '',
    ...(env.EAS_ORG_ID && { orgId: env.EAS_ORG_ID }),
    tokenDurationMins: Number(env.EAS_TOKEN_MINUTES ?? 360),
    refreshMarginMs: 60_000,
    timeoutMs: Number(env.EAS_TIMEOUT_MS ?? 30_000),
    stallTimeoutMs: Number(env.EAS_STALL_TIMEOUT_MS ?? 60_000),
    gstnUsername: env.GSTN_USERNAME ?? '',
  };
}
