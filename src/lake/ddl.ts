// `satscope lake ddl`: the statements that make the lake's files queryable elsewhere: Athena or
// Trino/Hive external tables over the S3 copy (partition projection on year/month/day/hour, so no
// partition has to be added by hand), and DuckDB views over the local folders.
import type { LakeConfig } from '../config.ts';
import { TABLES, TABLE_NAMES, type Column } from './tables.ts';

const athenaType = (c: Column): string => ({ TIMESTAMP_MS: 'timestamp', VARCHAR: 'string', DOUBLE: 'double', BIGINT: 'bigint', INTEGER: 'int', UTINYINT: 'tinyint' })[c.type];

export function lakeDdl(config: LakeConfig, opts: { database?: string; firstYear?: number } = {}): string {
  const db = opts.database ?? 'satscope';
  const firstYear = opts.firstYear ?? 2009;
  const location = (config.s3 ? `s3://${config.s3.bucket}/${config.s3.prefix ? `${config.s3.prefix}/` : ''}` : 's3://YOUR-BUCKET/YOUR-PREFIX/').replace(/'/g, "''");
  const out: string[] = [];
  out.push(`-- Athena / Trino (Hive connector): external tables over ${location}`);
  if (!config.s3) out.push('-- (LAKE_S3_URL is not set: replace the location with where the files are uploaded)');
  out.push(`CREATE DATABASE IF NOT EXISTS ${db};`, '');
  for (const name of TABLE_NAMES) {
    const t = TABLES[name];
    out.push(`-- ${t.doc}`);
    out.push(`CREATE EXTERNAL TABLE IF NOT EXISTS ${db}.${name} (`);
    out.push(t.columns.map((c) => `  \`${c.name}\` ${athenaType(c)} COMMENT '${c.doc.replace(/'/g, "''")}'`).join(',\n'));
    out.push(')');
    out.push('PARTITIONED BY (`year` int, `month` int, `day` int, `hour` int)');
    out.push('STORED AS PARQUET');
    out.push(`LOCATION '${location}${name}/'`);
    out.push('TBLPROPERTIES (');
    out.push("  'projection.enabled' = 'true',");
    out.push(`  'projection.year.type' = 'integer', 'projection.year.range' = '${firstYear},2100',`);
    out.push("  'projection.month.type' = 'integer', 'projection.month.range' = '1,12', 'projection.month.digits' = '2',");
    out.push("  'projection.day.type' = 'integer', 'projection.day.range' = '1,31', 'projection.day.digits' = '2',");
    out.push("  'projection.hour.type' = 'integer', 'projection.hour.range' = '0,23', 'projection.hour.digits' = '2',");
    out.push(`  'storage.location.template' = '${location}${name}/year=\${year}/month=\${month}/day=\${day}/hour=\${hour}/',`);
    out.push("  'parquet.compression' = 'ZSTD'");
    out.push(');', '');
  }
  out.push(`-- DuckDB: views over the local lake (${config.dir}); a replayed row is counted once by event_id`);
  for (const name of TABLE_NAMES) {
    out.push(
      `CREATE OR REPLACE VIEW ${name} AS SELECT * FROM read_parquet('${config.dir.replace(/'/g, "''")}/${name}/*/*/*/*/*.parquet', hive_partitioning = true, union_by_name = true) QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ts) = 1;`,
    );
  }
  return `${out.join('\n')}\n`;
}
