/**
 * The JSON Schema of every workflow input, from the zod schemas the workflows validate with (domain/schemas.ts),
 * for services in other languages: docs/schemas/<workflowType>.input.json. `npm run schemas` writes them;
 * test/unit/json-schemas.test.ts fails when the committed files differ from what the code says.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { INPUT_SCHEMAS } from '../domain/schemas';

/** The JSON Schema of each workflow type's input, as the text of its file. */
export function inputJsonSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [type, schema] of Object.entries(INPUT_SCHEMAS)) {
    const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' });
    const doc = { $id: `https://gst-download-worker.dev/schemas/${type}.input.json`, ...json };
    out[`${type}.input.json`] = `${JSON.stringify(doc, null, 2)}\n`;
  }
  return out;
}

export const SCHEMA_DIR = path.join('docs', 'schemas');

if (require.main === module) {
  const root = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
  const dir = path.join(root, SCHEMA_DIR);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(inputJsonSchemas())) {
    writeFileSync(path.join(dir, name), text);
    console.log(`wrote ${path.join(SCHEMA_DIR, name)}`);
  }
}
