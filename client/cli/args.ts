/**
 * The CLI's flags, parsed by `node:util` parseArgs: `--name value`, `--name=value`, boolean `--flag`,
 * repeatable list flags (also comma lists), positionals, `--` and `-h`/`--help`. Unknown flags, missing
 * values and a single-value flag given twice are usage errors (exit code 2) in the CLI's own words.
 */

import { parseArgs as parseArgv, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';

export type FlagSpec = Record<string, 'string' | 'boolean' | 'list'>;

export interface Parsed {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  help: boolean;
}

/** Where the CLI looks for Temporal without --address or TEMPORAL_ADDRESS (npm start's default). */
export const ADDRESS_DEFAULT = '127.0.0.1:7233';

/** Flags every command that talks to Temporal takes. */
export const CONNECTION_FLAGS: FlagSpec = { address: 'string', namespace: 'string' };

/** Flags of `follow` and `start --follow`. */
export const FOLLOW_FLAGS: FlagSpec = { json: 'boolean', interval: 'string' };

export interface FollowOptions {
  json: boolean;
  intervalMs: number;
}

export function followOptions(p: Parsed, command: string): FollowOptions {
  return { json: bool(p, 'json'), intervalMs: intFlag(p, 'interval', command, 1000) };
}

/** The spec as parseArgs options; `help` (with `-h`) is every command's. */
function optionsOf(spec: FlagSpec): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, type] of Object.entries(spec)) {
    options[name] = type === 'boolean' ? { type: 'boolean' } : type === 'list' ? { type: 'string', multiple: true } : { type: 'string' };
  }
  return options;
}

/**
 * Non-strict parseArgs with tokens, then each option token checked against the spec here, so every message
 * is the CLI's (parseArgs' strict errors name no command and suggest no --help).
 */
export function parseArgs(argv: string[], spec: FlagSpec, command: string): Parsed {
  const { tokens, positionals } = parseArgv({ args: argv, options: optionsOf(spec), strict: false, allowPositionals: true, tokens: true });
  const flags: Parsed['flags'] = {};
  let help = false;
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    if (t.name === 'help') {
      help = true;
      continue;
    }
    const type = Object.hasOwn(spec, t.name) ? spec[t.name] : undefined;
    if (!type) throw new UsageError(`${command}: unknown flag ${t.rawName} (see gst-download ${command} --help)`);
    if (type === 'boolean') {
      if (t.inlineValue) throw new UsageError(`${command}: --${t.name} takes no value`);
      flags[t.name] = true;
      continue;
    }
    // `--gstin --section B2B`: parseArgs would take "--section" as the value; here it is a missing value
    const value = t.value === undefined || (!t.inlineValue && t.value.startsWith('--')) ? undefined : t.value;
    if (value === undefined) throw new UsageError(`${command}: --${t.name} needs a value`);
    if (type === 'list') {
      const items = value.split(',').map((s) => s.trim()).filter(Boolean);
      flags[t.name] = [...((flags[t.name] as string[] | undefined) ?? []), ...items];
    } else {
      if (flags[t.name] !== undefined) throw new UsageError(`${command}: --${t.name} given twice`);
      flags[t.name] = value;
    }
  }
  return { flags, positionals, help };
}

/** The Temporal address a command line talks to: --address, else TEMPORAL_ADDRESS, else the default. */
export function addressOf(argv: string[], env: NodeJS.ProcessEnv): string {
  const { values } = parseArgv({ args: argv, options: { address: { type: 'string' } }, strict: false, allowPositionals: true });
  return (typeof values.address === 'string' ? values.address : undefined) ?? env.TEMPORAL_ADDRESS ?? ADDRESS_DEFAULT;
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function bool(p: Parsed, name: string): boolean {
  return p.flags[name] === true;
}

export function list(p: Parsed, name: string): string[] | undefined {
  const v = p.flags[name];
  return Array.isArray(v) ? v : undefined;
}

/** Exactly `n` positionals, named in the message when missing or extra. */
export function positionals(p: Parsed, names: string[], command: string): string[] {
  if (p.positionals.length < names.length) {
    throw new UsageError(`${command}: missing ${names.slice(p.positionals.length).map((n) => n.toUpperCase()).join(' ')}`);
  }
  if (p.positionals.length > names.length) {
    throw new UsageError(`${command}: unexpected argument "${p.positionals[names.length]}"`);
  }
  return p.positionals;
}

/** A positive integer flag. */
export function intFlag(p: Parsed, name: string, command: string, fallback: number): number {
  const v = str(p, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${command}: --${name} must be a positive whole number (got "${v}")`);
  return n;
}
