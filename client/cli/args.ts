/**
 * A small flag parser for the CLI: `--name value`, `--name=value`, boolean `--flag`, repeatable flags, and
 * positionals. Unknown flags and missing values are usage errors (exit code 2).
 */

import { UsageError } from './errors';

export type FlagSpec = Record<string, 'string' | 'boolean' | 'list'>;

export interface Parsed {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  help: boolean;
}

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

export function parseArgs(argv: string[], spec: FlagSpec, command: string): Parsed {
  const flags: Parsed['flags'] = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq > 0 ? eq : undefined) : '';
    const type = spec[name];
    if (!type) throw new UsageError(`${command}: unknown flag ${eq > 0 ? arg.slice(0, eq) : arg} (see gst-download ${command} --help)`);
    if (type === 'boolean') {
      if (eq > 0) throw new UsageError(`${command}: --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) value = argv[++i];
    if (value === undefined) throw new UsageError(`${command}: --${name} needs a value`);
    if (type === 'list') {
      const items = value.split(',').map((s) => s.trim()).filter(Boolean);
      flags[name] = [...((flags[name] as string[] | undefined) ?? []), ...items];
    } else {
      if (flags[name] !== undefined) throw new UsageError(`${command}: --${name} given twice`);
      flags[name] = value;
    }
  }
  return { flags, positionals, help };
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
