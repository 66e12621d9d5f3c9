/**
 * The GSTN session workflow's names, shared by the workflow, the activity that starts it (signal-with-start) and
 * the client: one per GSTIN, id `gstn-session-<GSTIN>`. Pure.
 */
export const SESSION_WORKFLOW_TYPE = 'gstnSession';
/** The signal a download sends (with signal-with-start) when it needs the session. */
export const SESSION_NEEDED_SIGNAL = 'gstnSessionNeeded';

export function sessionWorkflowId(gstin: string): string {
  return `gstn-session-${gstin}`;
}

/** What a person runs when a GSTIN's session waits for an OTP (the OTP is read from stdin, never an argument). */
export function verifyCommand(gstin: string): string {
  return `gst-download session verify-otp --gstin ${gstin} --otp -`;
}

/** The GSTN session workflow's tunables (part of the download config the worker hands its workflows). */
export interface SessionConfig {
  /** While downloads need the session, refresh it this often (GSTN sessions live 6 h). */
  refreshEveryMs: number;
  /** The workflow ends when no download has needed the session for this long (the next need starts it again). */
  keepAliveMs: number;
}

export const DEFAULT_SESSION_CONFIG: SessionConfig = { refreshEveryMs: 5 * 3600_000, keepAliveMs: 12 * 3600_000 };
