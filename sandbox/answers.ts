/**
 * GSTN's answers on demand (`POST/DELETE /__sandbox/answers`): the next `times` calls of a kind for a GSTIN
 * (and period / section) answer no-data, not-generated, not-applicable, queued (with `est` minutes),
 * api-access-disabled (AUTH4037), or `fixture:<name>`, a real GSTN payload from ../shared/reference/fixtures/
 * served verbatim inside the EAS envelope. The codes come from the contract's GSTN table.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GSTIN_FORMAT, RETURN_PERIOD_FORMAT, type GstnErrorName } from '../eas/contract';

export const ANSWER_KINDS = ['gstr2b', 'einvoice', 'ims', 'irn'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

export const PLAIN_ANSWERS = ['no-data', 'not-generated', 'not-applicable', 'queued', 'api-access-disabled'] as const;
export type PlainAnswer = (typeof PLAIN_ANSWERS)[number];

export type Answer =
  | { answer: Exclude<PlainAnswer, 'queued'>; gstnError: GstnErrorName }
  | { answer: 'queued'; est: number; token: string }
  | { answer: 'fixture'; name: string; body: Buffer };

interface Rule {
  gstin: string;
  kind: AnswerKind;
  period?: string;
  section?: string;
  answer: Answer;
  /** Calls left; undefined = every call. */
  times?: number;
}

/** Which GSTN code each answer is, per kind (undefined: that answer does not exist for that kind). */
const CODES: Record<AnswerKind, Partial<Record<PlainAnswer, GstnErrorName>>> = {
  gstr2b: { 'no-data': 'noDocs2b1016', 'not-generated': 'gstr2bNotGenerated', 'not-applicable': 'gstr2bNotApplicable', 'api-access-disabled': 'apiAccessDisabled' },
  einvoice: { 'no-data': 'einvNoDocs30108', 'not-generated': 'einvNotGenerated', 'api-access-disabled': 'apiAccessDisabled' },
  ims: { 'no-data': 'noDocs13509', 'api-access-disabled': 'apiAccessDisabled' },
  irn: { 'no-data': 'irnNotFound', 'api-access-disabled': 'apiAccessDisabled' },
};

/** Kinds whose answer can be a fixture file (the file is the whole answer: a 2B return, an IMS GETINV page). */
const FIXTURE_KINDS: readonly AnswerKind[] = ['gstr2b', 'ims'];
const FIXTURE_NAME = /^[A-Za-z0-9._-]+$/;

export class AnswerError extends Error {}

export function defaultFixturesDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.SANDBOX_FIXTURES_DIR ?? path.join(process.cwd(), '..', 'shared', 'reference', 'fixtures'));
}

export class Answers {
  private rules: Rule[] = [];
  private tokens = 0;

  constructor(private readonly fixturesDir: string = defaultFixturesDir()) {}

  /** Validates and adds one rule (the admin body); throws AnswerError with a readable message. */
  add(body: Record<string, unknown>): Rule {
    const { gstin, kind, period, section, answer, times, est } = body;
    if (typeof gstin !== 'string' || !GSTIN_FORMAT.test(gstin)) throw new AnswerError('gstin must be a GSTIN');
    if (typeof kind !== 'string' || !(ANSWER_KINDS as readonly string[]).includes(kind)) throw new AnswerError(`kind must be one of ${ANSWER_KINDS.join(', ')}`);
    if (period !== undefined && (typeof period !== 'string' || !RETURN_PERIOD_FORMAT.test(period))) throw new AnswerError('period must be MMYYYY');
    if (section !== undefined && (typeof section !== 'string' || section === '')) throw new AnswerError('section must be a string');
    if (times !== undefined && !(typeof times === 'number' && Number.isInteger(times) && times > 0)) throw new AnswerError('times must be a positive integer');
    if (typeof answer !== 'string') throw new AnswerError('answer is required');
    const k = kind as AnswerKind;
    const rule: Rule = { gstin, kind: k, answer: this.answerOf(k, answer, est) };
    if (period !== undefined) rule.period = period as string;
    if (section !== undefined) rule.section = (section as string).toUpperCase();
    if (times !== undefined) rule.times = times as number;
    this.rules.push(rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
  }

  list(): Array<Omit<Rule, 'answer'> & { answer: string }> {
    return this.rules.map((r) => ({ ...r, answer: r.answer.answer === 'fixture' ? `fixture:${r.answer.name}` : r.answer.answer }));
  }

  /** The answer for this call, if a rule matches (first added wins); counts the call against `times`. */
  take(kind: AnswerKind, gstin: string, period?: string, section?: string): Answer | undefined {
    const i = this.rules.findIndex(
      (r) =>
        r.kind === kind &&
        r.gstin === gstin &&
        (r.period === undefined || r.period === period) &&
        (r.section === undefined || r.section === section?.toUpperCase()),
    );
    if (i < 0) return undefined;
    const rule = this.rules[i]!;
    if (rule.times !== undefined && --rule.times <= 0) this.rules.splice(i, 1);
    return rule.answer;
  }

  private answerOf(kind: AnswerKind, answer: string, est: unknown): Answer {
    if (answer.startsWith('fixture:')) {
      const name = answer.slice('fixture:'.length);
      if (!FIXTURE_KINDS.includes(kind)) throw new AnswerError(`fixture answers exist for ${FIXTURE_KINDS.join(', ')} only`);
      if (!FIXTURE_NAME.test(name)) throw new AnswerError(`bad fixture name "${name}"`);
      let body: Buffer;
      try {
        body = readFileSync(path.join(this.fixturesDir, `${name}.json`));
      } catch {
        throw new AnswerError(`no fixture ${name}.json in ${this.fixturesDir}`);
      }
      return { answer: 'fixture', name, body };
    }
    if (answer === 'queued') {
      if (kind !== 'gstr2b') throw new AnswerError('queued exists for gstr2b only (the other kinds are EAS tasks already)');
      const minutes = est === undefined ? 1 : est;
      if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 0) throw new AnswerError('est must be whole minutes >= 0');
      return { answer: 'queued', est: minutes, token: `sandboxq${String(++this.tokens).padStart(24, '0')}` };
    }
    if (!(PLAIN_ANSWERS as readonly string[]).includes(answer)) {
      throw new AnswerError(`answer must be one of ${PLAIN_ANSWERS.join(', ')} or fixture:<name>`);
    }
    const gstnError = CODES[kind][answer as PlainAnswer];
    if (!gstnError) throw new AnswerError(`${answer} is not an answer ${kind} gives`);
    return { answer: answer as Exclude<PlainAnswer, 'queued'>, gstnError };
  }
}

/** The EAS envelope around a payload's exact bytes (so stored bytes can be compared with the fixture file). */
export function envelopeAround(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from('{"status":"1","data":'), data, Buffer.from(',"error":null,"info":null,"additionalInfo":null,"alert":null}')]);
}
