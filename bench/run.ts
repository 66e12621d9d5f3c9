/**
 * `npm run -s bench -- <name> [options]`: runs dist/bench/<name>.js in its own Node process (so one benchmark's
 * memory never colours another's) and passes its exit code on. Without a name, lists the benchmarks.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

const BENCHES: Record<string, string> = {
  'einvoice-zip': 'memory and speed of downloadEinvoiceResult on a big e-invoice ZIP (sandbox in a child process)',
  'ims-pages': 'end-to-end IMS download of many pages on a Temporal dev server with one real worker, beside a plain EasClient script',
  polling: 'history written while a download waits for a slow EAS task (30 minutes, and past the 24-hour deadline), scaled in time',
  priority: 'whether the server runs on-demand downloads ahead of a sync backlog (priority) and interleaves GSTINs (fairness), measured',
  'fleet-sync': 'one sync over a fleet of GSTINs (every child a real download): downloads/min, CPU per download, the sync history',
  'einvoice-slow-link': 'a big e-invoice ZIP over a slow sandbox link on a real worker process (optionally SIGKILLed mid-transfer)',
  chaos: 'downloads of every kind on N worker processes while workers are SIGKILLed and replaced: all complete, equal the truth, no temp or scratch file left',
};

function usage(): never {
  process.stderr.write('usage: npm run -s bench -- <name> [--option value …]\n\n');
  for (const [name, what] of Object.entries(BENCHES)) process.stderr.write(`  ${name.padEnd(20)} ${what}\n`);
  process.stderr.write('\nSee bench/README.md for the options and what each figure means.\n');
  process.exit(2);
}

const [name, ...rest] = process.argv.slice(2);
if (!name || !(name in BENCHES)) usage();
const file = path.join(__dirname, `${name}.js`);
if (!existsSync(file)) {
  process.stderr.write(`${file} is missing: run npm run build\n`);
  process.exit(2);
}
const child = spawn(process.execPath, [file, ...rest], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
