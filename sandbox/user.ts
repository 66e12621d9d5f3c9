/**
 * The sandbox's EAS user: public test values, not secrets. They live here, in the sandbox, and reach a worker only
 * through the dev defaults of `npm start` (scripts/start.ts) and the tests, by `sandboxEasEnv`. Production code
 * (eas/, worker/) has no default credentials: a production worker without its own refuses to start.
 */
export const SANDBOX_USER = {
  email: 'sandbox@gst-download-worker.dev',
  password: 'sandbox-password',
  orgId: '6f1c5a52-7a55-4b8e-9a51-2d4c8d5e0a01',
  gstnUsername: 'sandbox.user',
} as const;

/** The EAS_* settings that point a worker or client at the sandbox at `url`, logging in as its user. */
export function sandboxEasEnv(url: string): Record<'EAS_BASE_URL' | 'EAS_AUTH_URL' | 'EAS_EMAIL' | 'EAS_PASSWORD' | 'GSTN_USERNAME', string> {
  return {
    EAS_BASE_URL: url,
    EAS_AUTH_URL: url,
    EAS_EMAIL: SANDBOX_USER.email,
    EAS_PASSWORD: SANDBOX_USER.password,
    GSTN_USERNAME: SANDBOX_USER.gstnUsername,
  };
}
