/**
 * OTP requests as GSTN keeps them: each OTPREQUEST sends the taxpayer's phone its own OTP, and a newer request
 * for a GSTIN replaces the older one (only the latest request can be verified). The "phone" is readable through
 * the admin API (`GET /__sandbox/otp/<GSTIN>`), so tests and demos read the OTP like a taxpayer would.
 */
import { randomInt, randomUUID } from 'node:crypto';

export interface OtpRequest {
  gstin: string;
  otpRequestId: string;
  otp: string;
  at: number;
  /** Verified once: a spent OTP opens nothing again. */
  used: boolean;
}

/** Why a verification was refused (the caller turns it into a GSTN error). */
export type OtpRefusal = 'unknown-request' | 'superseded' | 'wrong-otp' | 'used';

export class OtpRequests {
  /** Latest request per GSTIN (the taxpayer's phone shows its OTP). */
  private readonly latest = new Map<string, OtpRequest>();
  /** Every request id ever issued → its GSTIN (so an older id is known to be superseded, not unknown). */
  private readonly issued = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  /** A new request for the GSTIN: a fresh OTP, and the previous request (if any) is no longer valid. */
  request(gstin: string, now: number): OtpRequest {
    const r: OtpRequest = { gstin, otpRequestId: randomUUID(), otp: String(randomInt(0, 1_000_000)).padStart(6, '0'), at: now, used: false };
    this.latest.set(gstin, r);
    this.issued.set(r.otpRequestId, gstin);
    this.counts.set(gstin, (this.counts.get(gstin) ?? 0) + 1);
    return r;
  }

  /** The GSTIN an OTP verifies, or why it is refused. A wrong OTP leaves the request valid (the taxpayer may retype). */
  verify(otpRequestId: string, otp: string): { gstin: string } | { refused: OtpRefusal } {
    const gstin = this.issued.get(otpRequestId);
    if (!gstin) return { refused: 'unknown-request' };
    const r = this.latest.get(gstin);
    if (!r || r.otpRequestId !== otpRequestId) return { refused: 'superseded' };
    if (r.used) return { refused: 'used' };
    if (r.otp !== otp) return { refused: 'wrong-otp' };
    r.used = true;
    return { gstin };
  }

  /** The taxpayer's phone: the latest request of the GSTIN. */
  phone(gstin: string): { otpRequestId: string; otp: string } | undefined {
    const r = this.latest.get(gstin);
    return r && { otpRequestId: r.otpRequestId, otp: r.otp };
  }

  /** OTP requests made per GSTIN since the start (or the last reset). */
  countByGstin(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  resetCounts(): void {
    this.counts.clear();
  }
}
