/** A workflow history as text with every payload decoded, for searching it for secrets. */
import type { WorkflowHandle } from '@temporalio/client';

export interface HistoryText {
  /** The history's JSON and every payload's decoded bytes. */
  all: string;
  payloads: number;
}

export async function decodedHistory(handle: WorkflowHandle): Promise<HistoryText> {
  const json = JSON.stringify(await handle.fetchHistory());
  const decoded: string[] = [];
  // payload bytes are base64 in the JSON form (`data`), and so are payload metadata values
  JSON.parse(json, (key, value) => {
    if ((key === 'data' || key === 'encoding') && typeof value === 'string') decoded.push(Buffer.from(value, 'base64').toString('utf8'));
    return value;
  });
  return { all: `${json}\n${decoded.join('\n')}`, payloads: decoded.length };
}

/** An OTP as a value of its own (not a run of digits inside a random hex id, a hash or a timestamp). */
export function otpAlone(otp: string): RegExp {
  return new RegExp(`(^|[^0-9a-f])${otp}([^0-9a-f]|$)`, 'i');
}
