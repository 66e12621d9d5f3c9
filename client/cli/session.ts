/**
 * `gst-download session pending|verify-otp|request-otp`: GSTN sessions through their session workflows
 * (client/session.ts). The OTP is verified with EAS here and only the request id reaches Temporal; the OTP, the EAS
 * password and token and the GSTN username are never printed, logged or sent to Temporal. EAS is reached with the
 * GSTIN's tenant (GST_CREDENTIALS_FILE or EAS_*), on a short token that is logged out before the command ends.
 */
import { InvalidInputError, validateGstin } from '../../domain/inputs';
import { verifyCommand } from '../../domain/session';
import { EasAccounts } from '../../eas/accounts';
import { easConfigFromEnv } from '../../eas/config';
import { credentialsFromEnv } from '../../eas/credentials';
import { OTP_FORMAT } from '../../workflows/messages';
import { pendingSessions, requestOtp, verifyOtpAndResume } from '../session';
import { CONNECTION_FLAGS, bool, parseArgs, positionals, str } from './args';
import { connect } from './connect';
import { CliError, oneLine, UsageError } from './errors';
import type { Io } from './io';

export const sessionHelp = `Usage: gst-download session pending [--json]
       gst-download session verify-otp --gstin G --otp - [--json]
       gst-download session request-otp --gstin G [--json]

Each GSTIN's GSTN session is owned by its session workflow (gstn-session-<GSTIN>). When the session has ended,
that workflow asks GSTN for ONE OTP, waits in AWAITING_OTP (and POSTs to GST_NOTIFY_URL), and every download of
the GSTIN waits on it.
  pending       lists every GSTIN whose session waits for an OTP: request id, since, waiting downloads
  verify-otp    verifies the taxpayer's OTP with EAS against the session's current request, then the session
                workflow resumes every waiting download. --otp - reads the OTP from stdin (keeps it out of the
                process list and shell history). --request-id ID only for a request made with request-otp.
  request-otp   asks GSTN for an OTP by hand (refused while the session workflow already waits on one)

EAS: EAS_BASE_URL (default the local sandbox), EAS_AUTH_URL; credentials GST_CREDENTIALS_FILE or EAS_EMAIL,
EAS_PASSWORD, GSTN_USERNAME(S). Temporal: --address / TEMPORAL_ADDRESS, --namespace / TEMPORAL_NAMESPACE.`;

/** The CLI's EAS token lives this long (minutes); it is logged out when the command ends anyway. */
const CLI_TOKEN_MINUTES = 5;

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
  if (action !== 'request-otp' && action !== 'verify-otp' && action !== 'pending') {
    throw new UsageError(`session: unknown action "${action}" (pending, verify-otp or request-otp)`);
  }
  if (action === 'pending') return pending(p, io);
  const gstin = validateGstin(str(p, 'gstin'), 'gstin', 'off');
  let otp: string | undefined;
  if (action === 'request-otp') {
    for (const f of ['otp', 'request-id']) if (p.flags[f] !== undefined) throw new UsageError(`session request-otp: --${f} is for verify-otp`);
  } else {
    otp = str(p, 'otp');
    if (otp === '-') otp = await readStdinLine();
    if (!otp) throw new InvalidInputError('otp', 'is required (--otp - reads it from stdin)');
    if (!OTP_FORMAT.test(otp)) throw new InvalidInputError('otp', 'must be 6 digits');
  }
  const accounts = new EasAccounts({ ...easConfigFromEnv(io.env), tokenDurationMins: CLI_TOKEN_MINUTES }, credentialsFromEnv(io.env));
  const conn = await connect(p, io.env);
  try {
    const account = await accounts.forGstin(gstin).catch((e) => {
      throw new CliError(oneLine(e));
    });
    if (action === 'request-otp') {
      const requestId = await requestOtp(conn.client, account.client, gstin, account.gstnUsername).catch((e) => {
        throw new CliError(`requesting an OTP for ${gstin} failed: ${oneLine(e)}`);
      });
      if (bool(p, 'json')) io.out(JSON.stringify({ gstin, otpRequestId: requestId }));
      else {
        io.out(`OTP sent to the taxpayer of ${gstin}; request id ${requestId}`);
        io.out(`then: ${verifyCommand(gstin)} --request-id ${requestId}`);
      }
      return 0;
    }
    const requestId = str(p, 'request-id');
    const result = await verifyOtpAndResume(conn.client, account.client, gstin, otp!, requestId ? { otpRequestId: requestId } : {}).catch((e) => {
      throw new CliError(`verifying the OTP for ${gstin} failed: ${scrub(oneLine(e), otp)}`);
    });
    const resumed = [...result.waiting, ...result.signalled];
    if (bool(p, 'json')) {
      io.out(JSON.stringify({ gstin, otpRequestId: result.otpRequestId, restored: true, resumed, skipped: result.skipped }));
    } else {
      io.out(`GSTN session for ${gstin} restored`);
      io.out(resumed.length ? `resumed ${resumed.length} waiting download(s): ${resumed.join(', ')}` : 'no download was waiting for it');
      for (const s of result.skipped) io.out(`could not tell ${s.workflowId} (closed since it was listed?): ${s.reason}`);
    }
    return 0;
  } finally {
    await accounts.logoutAll();
    await conn.close();
  }
}

async function pending(p: ReturnType<typeof parseArgs>, io: Io): Promise<number> {
  const conn = await connect(p, io.env);
  try {
    const sessions = await pendingSessions(conn.client);
    if (bool(p, 'json')) {
      for (const s of sessions) io.out(JSON.stringify({ gstin: s.gstin, otpRequestId: s.otpRequestId, since: s.awaitingOtpSince, waiting: s.waiting }));
      return 0;
    }
    if (!sessions.length) {
      io.out('no GSTIN waits for an OTP');
      return 0;
    }
    for (const s of sessions) {
      io.out(`${s.gstin}  request ${s.otpRequestId}  since ${s.awaitingOtpSince}  ${s.waiting.length} download(s) waiting`);
    }
    io.out(`verify each with: ${verifyCommand('<GSTIN>')}`);
    return 0;
  } finally {
    await conn.close();
  }
}
