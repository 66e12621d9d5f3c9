/**
 * `gst-download session request-otp|verify-otp`: GSTN session recovery through EAS (client/session.ts). The
 * OTP is verified with EAS here and only a signal reaches the waiting downloads; the OTP and the EAS password
 * are never printed, logged or sent to Temporal.
 */
import { EasClient } from '../../eas/client';
import { easConfigFromEnv } from '../../eas/config';
import { InvalidInputError, validateGstin } from '../../domain/inputs';
import { OTP_FORMAT } from '../../workflows/messages';
import { requestOtp, verifyOtpAndResume } from '../session';
import { CONNECTION_FLAGS, bool, parseArgs, positionals, str } from './args';
import { connect } from './connect';
import { CliError, oneLine, UsageError } from './errors';
import type { Io } from './io';

export const sessionHelp = `Usage: gst-download session request-otp --gstin G [--json]
       gst-download session verify-otp --gstin G --otp OTP [--request-id ID] [--json]

GSTN sessions expire; a download that finds none waits in stage AWAITING_OTP and asks for an OTP itself.
  request-otp   asks GSTN (through EAS) to send the taxpayer an OTP; prints the request id
  verify-otp    verifies the OTP with EAS, then tells every download of the GSTIN that waits to go on.
                The request id is the one request-otp printed, or the one a waiting download made.
                --otp - reads the OTP from stdin (keeps it out of the process list and shell history).

EAS: EAS_BASE_URL (default the local sandbox), EAS_AUTH_URL, EAS_EMAIL, EAS_PASSWORD, GSTN_USERNAME.
Temporal (verify-otp): --address / TEMPORAL_ADDRESS, --namespace / TEMPORAL_NAMESPACE.`;

async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]!.trim();
}

/** An error's line with the OTP masked, in case anything echoed it. */
function scrub(message: string, otp: string | undefined): string {
  return otp ? message.split(otp).join('******') : message;
}

export async function sessionCommand(argv: string[], io: Io): Promise<number> {
  const spec = { ...CONNECTION_FLAGS, gstin: 'string', otp: 'string', 'request-id': 'string', json: 'boolean' } as const;
  const p = parseArgs(argv, spec, 'session');
  if (p.help) {
    io.out(sessionHelp);
    return 0;
  }
  const [action] = positionals(p, ['action'], 'session');
  if (action !== 'request-otp' && action !== 'verify-otp') throw new UsageError(`session: unknown action "${action}" (request-otp or verify-otp)`);
  const gstin = validateGstin(str(p, 'gstin'), 'gstin', 'off');
  const eas = new EasClient(easConfigFromEnv(io.env));
  if (action === 'request-otp') {
    for (const f of ['otp', 'request-id']) if (p.flags[f] !== undefined) throw new UsageError(`session request-otp: --${f} is for verify-otp`);
    let requestId: string;
    try {
      requestId = await requestOtp(eas, gstin);
    } catch (e) {
      throw new CliError(`requesting an OTP for ${gstin} failed: ${oneLine(e)}`);
    }
    if (bool(p, 'json')) io.out(JSON.stringify({ gstin, otpRequestId: requestId }));
    else {
      io.out(`OTP sent to the taxpayer of ${gstin}; request id ${requestId}`);
      io.out(`then: gst-download session verify-otp --gstin ${gstin} --request-id ${requestId} --otp <the OTP>`);
    }
    return 0;
  }
  let otp = str(p, 'otp');
  if (otp === '-') otp = await readStdinLine();
  if (!otp) throw new InvalidInputError('otp', 'is required (--otp OTP, or --otp - to read it from stdin)');
  if (!OTP_FORMAT.test(otp)) throw new InvalidInputError('otp', 'must be 6 digits');
  const conn = await connect(p, io.env);
  try {
    const requestId = str(p, 'request-id');
    const result = await verifyOtpAndResume(conn.client, eas, gstin, otp, requestId ? { otpRequestId: requestId } : {}).catch((e) => {
      throw new CliError(`verifying the OTP for ${gstin} failed: ${scrub(oneLine(e), otp)}`);
    });
    if (bool(p, 'json')) io.out(JSON.stringify({ gstin, otpRequestId: result.otpRequestId, restored: true, resumed: result.signalled, skipped: result.skipped }));
    else {
      io.out(`GSTN session for ${gstin} restored`);
      io.out(result.signalled.length ? `resumed ${result.signalled.length} waiting download(s): ${result.signalled.join(', ')}` : 'no download was waiting for it');
      for (const s of result.skipped) io.out(`could not tell ${s.workflowId} (closed since it was listed?): ${s.reason}`);
    }
    return 0;
  } finally {
    await conn.close();
  }
}
