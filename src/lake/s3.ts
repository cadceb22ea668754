// The lake's mirror in S3-compatible object storage (LAKE_S3_URL): every sealed file is uploaded
// under the same key layout with the official AWS SDK, with its MD5 sent for the server to check,
// then read back (HEAD) and compared by size and ETag. A failed upload is retried with backoff; a
// store that is down only delays. `satscope lake sync` uploads whatever the bucket lacks.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LakeConfig } from '../config.ts';
import { SatscopeError } from '../errors.ts';
import type { S3Client } from '@aws-sdk/client-s3';
import type { FileEntry, LakeBuffer } from './buffer.ts';
import { listLakeFiles, md5Of } from './lake.ts';
import { isSealedName } from './tables.ts';

type S3Config = NonNullable<LakeConfig['s3']>;

export const s3Key = (s3: S3Config, path: string): string => (s3.prefix ? `${s3.prefix}/${path}` : path);

/** The target as it may be shown: bucket, prefix and endpoint host, never a credential. */
export function s3Target(s3: S3Config): string {
  let host = 'AWS';
  if (s3.endpoint) {
    try {
      host = new URL(s3.endpoint).host;
    } catch {
      host = 'custom endpoint';
    }
  }
  return `s3://${s3.bucket}${s3.prefix ? `/${s3.prefix}` : ''} (${host})`;
}

const BACKOFF_BASE_MS = 5_000;
const BACKOFF_MAX_MS = 30 * 60_000;
export const backoffMs = (attempts: number): number => Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));

/**
 * Whether the stored object is the file: same size, and same MD5 when its ETag is one. Some stores
 * (encryption with KMS, other S3-compatible servers) give ETags that are not MD5s; the size decides
 * then, and the server checked Content-MD5 when it received the file.
 */
function sameObject(remote: { size: number; md5: string } | undefined, size: number, md5: string): boolean {
  if (!remote || remote.size !== size) return false;
  return !/^[0-9a-f]{32}$/.test(remote.md5) || remote.md5 === md5;
}

export class LakeUploader {
  private client: Promise<S3Client> | undefined;
  lastUpload: { atMs: number; key: string } | undefined;
  lastError: { atMs: number; message: string } | undefined;

  constructor(
    private readonly lakeDir: string,
    readonly s3: S3Config,
    private readonly timeoutMs = 30_000,
  ) {}

  private async s3client(): Promise<S3Client> {
    return (this.client ??= (async () => {
      // Loaded only with LAKE_S3_URL: the SDK is large.
      const { S3Client: Client } = await import('@aws-sdk/client-s3');
      return new Client({
        region: this.s3.region,
        endpoint: this.s3.endpoint,
        forcePathStyle: this.s3.endpoint !== undefined,
        credentials: this.s3.accessKeyId && this.s3.secretAccessKey ? { accessKeyId: this.s3.accessKeyId, secretAccessKey: this.s3.secretAccessKey } : undefined,
        // Content-MD5 and the read-back are the checks; the newer CRC headers are not understood by every S3-compatible store.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        // Retries are ours (with the backoff recorded in the manifest).
        maxAttempts: 1,
      });
    })());
  }

  /** The remote size and MD5 (ETag of a single-part upload), or undefined when the object is missing. */
  async remote(path: string): Promise<{ size: number; md5: string } | undefined> {
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const client = await this.s3client();
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: this.s3.bucket, Key: s3Key(this.s3, path) }), { abortSignal: AbortSignal.timeout(this.timeoutMs) });
      return { size: head.ContentLength ?? -1, md5: (head.ETag ?? '').replace(/"/g, '') };
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (err as { name?: string }).name === 'NotFound') return undefined;
      throw err;
    }
  }

  /** Uploads one file and checks it arrived whole; throws LAKE_UPLOAD_FAILED otherwise. */
  async upload(path: string): Promise<{ key: string; size: number; md5: string }> {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const client = await this.s3client();
    const abs = join(this.lakeDir, path);
    const body = readFileSync(abs);
    const md5 = md5Of(abs);
    const key = s3Key(this.s3, path);
    try {
      await client.send(
        new PutObjectCommand({ Bucket: this.s3.bucket, Key: key, Body: body, ContentLength: body.length, ContentMD5: Buffer.from(md5, 'hex').toString('base64'), ContentType: 'application/vnd.apache.parquet' }),
        { abortSignal: AbortSignal.timeout(this.timeoutMs) },
      );
      const remote = await this.remote(path);
      if (!sameObject(remote, body.length, md5)) {
        throw new SatscopeError('LAKE_UPLOAD_FAILED', `${key}: the stored object does not match (size ${remote?.size ?? 'missing'} for ${body.length}, ETag ${remote?.md5 ?? 'missing'} for MD5 ${md5})`);
      }
    } catch (err) {
      const message = err instanceof SatscopeError ? err.message : `${key}: ${describeS3Error(err)}`;
      this.lastError = { atMs: Date.now(), message };
      throw err instanceof SatscopeError ? err : new SatscopeError('LAKE_UPLOAD_FAILED', message, { cause: err });
    }
    this.lastUpload = { atMs: Date.now(), key };
    return { key, size: body.length, md5 };
  }

  /**
   * Uploads the sealed files that are due (never uploaded, or changed since, and past their backoff),
   * recording each outcome in the manifest. `force`: ignore the backoff (lake sync).
   */
  async uploadDue(buffer: LakeBuffer, nowMs = Date.now(), force = false, max = 25): Promise<{ uploaded: number; failed: number }> {
    let uploaded = 0;
    let failed = 0;
    for (const f of buffer.files({ sealed: true })) {
      if (f.uploadedMs !== null) continue;
      if (uploaded + failed >= max) break;
      if (!force && f.nextUploadMs !== null && f.nextUploadMs > nowMs) continue;
      try {
        const r = await this.upload(f.path);
        buffer.markUploaded(f.path, r.md5, Date.now());
        uploaded++;
      } catch (err) {
        const attempts = f.uploadAttempts + 1;
        buffer.markUploadFailed(f.path, err instanceof Error ? err.message : String(err), attempts, Date.now() + backoffMs(attempts));
        failed++;
        // The store is likely down: the other files wait for their own turn.
        if (!force) break;
      }
    }
    return { uploaded, failed };
  }

  /**
   * `satscope lake sync`: every sealed file whose object is missing or differs is uploaded, whatever
   * the manifest says. Progress goes to `progress`.
   */
  async sync(lakeDir: string, buffer: LakeBuffer, progress: (line: string) => void): Promise<{ checked: number; uploaded: number; failed: number }> {
    // The sealed files on disk, whatever the manifest says (it may lag, e.g. after a restore).
    const files = listLakeFiles(lakeDir).filter((p) => isSealedName(p.slice(p.lastIndexOf('/') + 1)));
    let uploaded = 0;
    let failed = 0;
    for (const [i, path] of files.entries()) {
      const abs = join(lakeDir, path);
      let size: number;
      let md5: string;
      let remote;
      try {
        size = statSync(abs).size;
        md5 = md5Of(abs);
        remote = await this.remote(path);
      } catch (err) {
        failed++;
        progress(`[${i + 1}/${files.length}] ${path}: ${describeS3Error(err)}`);
        continue;
      }
      if (sameObject(remote, size, md5)) {
        buffer.markUploaded(path, md5, Date.now());
        continue;
      }
      try {
        await this.upload(path);
        // Recorded only for the file as it was read: a file sealed again meanwhile stays due.
        buffer.markUploaded(path, md5, Date.now());
        uploaded++;
        progress(`[${i + 1}/${files.length}] uploaded ${s3Key(this.s3, path)} (${size} bytes)`);
      } catch (err) {
        failed++;
        progress(`[${i + 1}/${files.length}] ${path}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { checked: files.length, uploaded, failed };
  }

  pending(buffer: LakeBuffer): { pending: number; failing: FileEntry[] } {
    const waiting = buffer.files({ sealed: true }).filter((f) => f.uploadedMs === null);
    return { pending: waiting.length, failing: waiting.filter((f) => f.uploadError !== null) };
  }
}

/** An S3 failure in a line, without request ids or credentials. */
export function describeS3Error(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const what = e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(e.message ?? '') ? 'connection refused' : e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timed out' : ((e.message ?? String(err)).split('\n')[0] ?? '');
  return `${status ? `HTTP ${status} ` : ''}${e.name && e.name !== 'Error' && !what.includes(e.name) ? `${e.name}: ` : ''}${what}`.slice(0, 300);
}
