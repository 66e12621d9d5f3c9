/** The published JSON Schemas (docs/schemas/) are what the code validates with, for every workflow type. */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { INPUT_SCHEMAS } from '../../domain/schemas';
import { inputJsonSchemas, SCHEMA_DIR } from '../../scripts/json-schemas';
import * as workflows from '../../workflows';

const DIR = path.resolve(__dirname, '../..', SCHEMA_DIR);

test('every workflow type has an input schema', () => {
  expect(Object.keys(INPUT_SCHEMAS).sort()).toEqual(Object.keys(workflows).sort());
});

test('docs/schemas holds exactly what the code generates (run `npm run schemas` after changing an input)', () => {
  const generated = inputJsonSchemas();
  expect(readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()).toEqual(Object.keys(generated).sort());
  for (const [name, text] of Object.entries(generated)) expect({ name, text: readFileSync(path.join(DIR, name), 'utf8') }).toEqual({ name, text });
});

test('the schemas carry the contract: required fields, patterns, enums, no unknown fields', () => {
  const g = JSON.parse(inputJsonSchemas()['downloadGstr2b.input.json']!);
  expect(g.required).toEqual(['gstin', 'retPeriod']);
  expect(g.additionalProperties).toBe(false);
  expect(new RegExp(g.properties.retPeriod.pattern).test('082023')).toBe(true);
  expect(new RegExp(g.properties.retPeriod.pattern).test('132023')).toBe(false);
  const ims = JSON.parse(inputJsonSchemas()['downloadImsInvoices.input.json']!);
  expect(ims.properties.section.enum).toContain('B2BCNA');
  const irn = JSON.parse(inputJsonSchemas()['getIrnDetails.input.json']!);
  expect(irn.properties.irns).toMatchObject({ minItems: 1, maxItems: 1000 });
});
