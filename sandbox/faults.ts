/** Fault injection per route: error rates or "the next N calls", drawn from a seeded generator so runs repeat. */
import { ROUTE_NAMES, type RouteName } from '../eas/contract';
import { rng, seedOf, type Rng } from './rng';
import { FAULT_KINDS, isRouteName, type FaultKind, type FaultRule } from './types';

export interface FaultDecision {
  latencyMs: number;
  /** A fault that replaces the answer. */
  terminal?: 'http500' | 'gstnDown' | 'rateLimit' | 'reset';
  retryAfterSeconds: number;
  truncate: boolean;
  corruptZip: boolean;
  expireTasks: boolean;
  expireTokens: boolean;
  expireSessions: boolean;
  /** bandwidth: send the body at this rate (the slowest matching rule wins). */
  bytesPerSecond?: number;
  fired: FaultKind[];
}

interface ActiveRule extends FaultRule {
  left?: number;
  skip: number;
}

const TERMINAL = new Set<FaultKind>(['http500', 'gstnDown', 'rateLimit', 'reset']);

/** Checks a rule from an admin body; returns an error message or undefined. */
export function ruleProblem(v: unknown): string | undefined {
  if (!v || typeof v !== 'object') return 'a fault rule must be an object';
  const f = v as Record<string, unknown>;
  if (f.route !== '*' && !isRouteName(f.route)) return `route must be '*' or one of ${ROUTE_NAMES.join(', ')}`;
  if (!(FAULT_KINDS as readonly unknown[]).includes(f.kind)) return `kind must be one of ${FAULT_KINDS.join(', ')}`;
  if (f.rate !== undefined && (typeof f.rate !== 'number' || f.rate < 0 || f.rate > 1)) return 'rate must be a number in 0..1';
  if (f.kind === 'bandwidth' && !(typeof f.bytesPerSecond === 'number' && Number.isInteger(f.bytesPerSecond) && f.bytesPerSecond > 0)) {
    return 'bandwidth needs bytesPerSecond, a positive integer';
  }
  for (const k of ['next', 'after', 'retryAfterSeconds', 'latencyMs']) {
    if (f[k] !== undefined && (typeof f[k] !== 'number' || !Number.isInteger(f[k]) || (f[k] as number) < 0)) {
      return `${k} must be a non-negative integer`;
    }
  }
  return undefined;
}

export class Faults {
  private rules: ActiveRule[] = [];
  private r: Rng;

  constructor(private readonly seed: number, initial: FaultRule[] = []) {
    this.r = rng(seedOf(seed, 'faults'));
    this.add(initial);
  }

  add(rules: FaultRule[]): void {
    for (const rule of rules) this.rules.push({ ...rule, left: rule.next, skip: rule.after ?? 0 });
  }

  list(): FaultRule[] {
    return this.rules.map(({ left, skip, ...rule }) => {
      const out: FaultRule = left === undefined ? rule : { ...rule, next: left };
      if (skip > 0) out.after = skip;
      else delete out.after;
      return out;
    });
  }

  /** Clears the rules and restarts the random sequence. */
  reset(): void {
    this.rules = [];
    this.r = rng(seedOf(this.seed, 'faults'));
  }

  decide(route: RouteName): FaultDecision {
    const d: FaultDecision = { latencyMs: 0, retryAfterSeconds: 1, truncate: false, corruptZip: false, expireTasks: false, expireTokens: false, expireSessions: false, fired: [] };
    for (const rule of this.rules) {
      if (rule.route !== '*' && rule.route !== route) continue;
      if (rule.kind === 'corruptZip' && route !== 'taskDownload') continue;
      if (TERMINAL.has(rule.kind) && d.terminal) continue;
      if (!this.fires(rule)) continue;
      d.fired.push(rule.kind);
      switch (rule.kind) {
        case 'latency':
          d.latencyMs += rule.latencyMs ?? 500;
          break;
        case 'truncate':
          d.truncate = true;
          break;
        case 'bandwidth':
          d.bytesPerSecond = Math.min(d.bytesPerSecond ?? Infinity, rule.bytesPerSecond!);
          break;
        case 'corruptZip':
          d.corruptZip = true;
          break;
        case 'expireTasks':
        case 'expireTokens':
        case 'expireSessions':
          d[rule.kind] = true;
          break;
        default:
          d.terminal = rule.kind as FaultDecision['terminal'];
          if (rule.kind === 'rateLimit') d.retryAfterSeconds = rule.retryAfterSeconds ?? 1;
      }
    }
    this.rules = this.rules.filter((x) => x.left !== 0);
    return d;
  }

  private fires(rule: ActiveRule): boolean {
    if (rule.skip > 0) {
      rule.skip--;
      return false;
    }
    if (rule.left !== undefined) {
      if (rule.left <= 0) return false;
      rule.left--;
      return true;
    }
    return rule.rate === undefined ? true : this.r.next() < rule.rate;
  }
}
