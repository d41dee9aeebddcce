// Checks that every Parquet file winnow wrote opens in DuckDB with the
// schema of its input: node duckdb-check.mjs INPUT_ROOT OUT_DIR
import { DuckDBInstance } from '@duckdb/node-api';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const [inRoot, outDir] = process.argv.slice(2);
const walk = (d) => readdirSync(d).flatMap((n) => {
  const p = join(d, n);
  return statSync(p).isDirectory() ? walk(p) : [p];
});
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const describe = async (p) => (await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${p.replaceAll("'", "''")}')`))
  .getRowObjects().map((r) => `${r.column_name} ${r.column_type}`);
const count = async (p) => Number((await c.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${p.replaceAll("'", "''")}')`)).getRowObjects()[0].n);
let failed = 0, checked = 0;
for (const out of walk(join(outDir, 'data')).filter((p) => p.endsWith('.parquet'))) {
  const rel = relative(join(outDir, 'data'), out);
  const input = join(inRoot, rel);
  const [want, got] = [await describe(input), await describe(out)];
  let rows = await count(out);
  const q = join(outDir, 'quarantine', rel);
  if (existsSync(q)) {
    const qs = await describe(q);
    if (JSON.stringify(qs.slice(0, -1)) !== JSON.stringify(want) || !qs.at(-1).startsWith('_winnow_reason ')) {
      console.log(`FAIL ${q}: quarantine schema ${JSON.stringify(qs)}`); failed++;
    }
    rows += await count(q);
  }
  const inRows = await count(input);
  if (JSON.stringify(want) !== JSON.stringify(got)) { console.log(`FAIL ${rel}: schema ${JSON.stringify(got)} != ${JSON.stringify(want)}`); failed++; }
  else if (rows !== inRows) { console.log(`FAIL ${rel}: ${rows} rows in data+quarantine, ${inRows} in input`); failed++; }
  else console.log(`ok   ${rel}: ${got.length} columns, ${inRows} rows (data+quarantine), schema identical in DuckDB`);
  checked++;
}
if (checked === 0) { console.log('FAIL: no parquet output found'); failed++; }
process.exit(failed ? 1 : 0);
