/** The sandbox's mutable settings and its clock (real time plus an offset that admin calls can advance). */
import { DEFAULT_SIZES, type ConfigPatch, type SandboxConfig, type SandboxOptions, type SandboxSizes } from './types';

export class SandboxState {
  config: SandboxConfig;
  private offsetMs = 0;

  constructor(readonly opts: SandboxOptions) {
    this.config = this.initialConfig();
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** The GSTN username OTPREQUEST must name for the GSTIN. */
  gstnUsernameFor(gstin: string): string {
    return this.config.gstnUsernames[gstin] ?? this.opts.gstnUsername;
  }

  get seed(): number {
    return this.opts.seed;
  }

  /** The global sizes with the GSTIN's overrides on top. */
  sizesFor(gstin?: string): SandboxSizes {
    const override = gstin ? this.config.gstins[gstin] : undefined;
    return { ...this.config.sizes, ...override };
  }

  patch(p: ConfigPatch): SandboxConfig {
    const c = this.config;
    if (p.sizes) c.sizes = { ...c.sizes, ...p.sizes };
    if (p.gstins) {
      for (const [gstin, sizes] of Object.entries(p.gstins)) c.gstins[gstin] = { ...c.gstins[gstin], ...sizes };
    }
    if (p.taskSeconds !== undefined) c.taskSeconds = p.taskSeconds;
    if (p.taskPolls !== undefined) c.taskPolls = p.taskPolls;
    if (p.retentionMs !== undefined) c.retentionMs = p.retentionMs;
    if (p.gstnUsernames) c.gstnUsernames = { ...c.gstnUsernames, ...p.gstnUsernames };
    if (p.sessionMaxAgeMs !== undefined) c.sessionMaxAgeMs = p.sessionMaxAgeMs;
    if (p.ranges !== undefined) c.ranges = p.ranges;
    return c;
  }

  resetConfig(): void {
    this.config = this.initialConfig();
  }

  private initialConfig(): SandboxConfig {
    return {
      sizes: { ...DEFAULT_SIZES, ...this.opts.sizes },
      gstins: {},
      taskSeconds: this.opts.taskSeconds,
      taskPolls: null,
      retentionMs: this.opts.retentionMs,
      gstnUsernames: { ...this.opts.gstnUsernames },
      sessionMaxAgeMs: this.opts.sessionMaxAgeMs,
      ranges: true,
    };
  }
}
