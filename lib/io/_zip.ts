/**
 * The entries of a zip archive, read from its central directory (zip64
 * included), for random access to entries stored without compression: how
 * `torch.save` writes its archives. Nothing is inflated; an entry's data is a
 * byte range of the file.
 *
 * Written here rather than taken from a zip package because the readers
 * needed random access to single stored entries of multi-gigabyte files
 * without reading or inflating the rest (the packages read whole buffers).
 *
 * @module
 */
import type { ByteSource } from "./_format.ts";

/** One entry of a zip archive. */
export interface ZipEntry {
  /** Its name in the archive (a path with `/`). */
  readonly name: string;
  /** Its compression method: 0 is stored, 8 deflated. */
  readonly method: number;
  /** Its size as stored, in bytes. */
  readonly size: number;
  /** Where its local header starts. */
  readonly headerOffset: number;
}

/** A zip archive that cannot be read: what is wrong with it. */
export class ZipError extends Error {
  /** @param message What is wrong. */
  constructor(message: string) {
    super(message);
    this.name = "ZipError";
  }
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;
/** The end record is 22 bytes plus a comment of at most 65,535. */
const TAIL = 22 + 0xffff;
/** The zip64 end record's locator, just before the end record. */
const LOCATOR_SIZE = 20;

/** Reads a little-endian 64-bit size as a number; refuses one past 2⁵³. */
function uint64(view: DataView, at: number, what: string): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ZipError(`${what} is ${value}, past any file this reader opens`);
  }
  return Number(value);
}

/**
 * Reads the central directory of the zip archive in `source`.
 *
 * @throws {ZipError} If there is no end-of-central-directory record, the
 * archive spans several disks, or a record is malformed or points outside
 * the file (the message says which).
 */
export async function readZipEntries(
  source: ByteSource,
): Promise<ZipEntry[]> {
  const tailLength = Math.min(source.size, TAIL);
  const tailStart = source.size - tailLength;
  const tail = await source.readAt(tailStart, tailLength);
  const tailView = new DataView(tail.buffer, tail.byteOffset, tail.length);
  let end = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (
      tailView.getUint32(i, true) === EOCD &&
      i + 22 + tailView.getUint16(i + 20, true) === tail.length
    ) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    throw new ZipError("it has no zip end-of-central-directory record");
  }
  if (
    tailView.getUint16(end + 4, true) !== 0 ||
    tailView.getUint16(end + 6, true) !== 0
  ) {
    throw new ZipError("it is a zip archive split over several disks");
  }
  let count = tailView.getUint16(end + 10, true);
  let size = tailView.getUint32(end + 12, true);
  let offset = tailView.getUint32(end + 16, true);
  if (count === 0xffff || size === MAX32 || offset === MAX32) {
    // Zip64: the locator stands just before the end record.
    const at = tailStart + end - LOCATOR_SIZE;
    if (at < 0) throw new ZipError("its zip64 end record locator is missing");
    const locator = await source.readAt(at, LOCATOR_SIZE);
    const lv = new DataView(locator.buffer);
    if (lv.getUint32(0, true) !== EOCD64_LOCATOR) {
      throw new ZipError("its zip64 end record locator is missing");
    }
    const recordAt = uint64(lv, 8, "its zip64 end record offset");
    if (recordAt + 56 > source.size) {
      throw new ZipError("its zip64 end record lies past the end of the file");
    }
    const record = await source.readAt(recordAt, 56);
    const rv = new DataView(record.buffer);
    if (rv.getUint32(0, true) !== EOCD64) {
      throw new ZipError("its zip64 end record is malformed");
    }
    count = uint64(rv, 32, "its number of entries");
    size = uint64(rv, 40, "its central directory's size");
    offset = uint64(rv, 48, "its central directory's offset");
  }
  if (offset + size > source.size) {
    throw new ZipError("its central directory lies past the end of the file");
  }
  const directory = await source.readAt(offset, size);
  const view = new DataView(directory.buffer);
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > size || view.getUint32(at, true) !== CENTRAL) {
      throw new ZipError(`its central directory entry ${n} is malformed`);
    }
    const method = view.getUint16(at + 10, true);
    let stored = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let headerOffset = view.getUint32(at + 42, true);
    const uncompressed = view.getUint32(at + 24, true);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > size) {
      throw new ZipError(`its central directory entry ${n} is malformed`);
    }
    const name = decoder.decode(
      directory.subarray(at + 46, at + 46 + nameLength),
    );
    // The zip64 extra field holds, in this order, the 64-bit values of the
    // fields that are 0xFFFFFFFF: uncompressed size, stored size, offset.
    for (
      let e = at + 46 + nameLength;
      e + 4 <= at + 46 + nameLength +
          extraLength;
    ) {
      const id = view.getUint16(e, true);
      const length = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let p = e + 4;
        const take = (what: string): number => {
          if (p + 8 > e + 4 + length) {
            throw new ZipError(
              `the zip64 field of entry ${JSON.stringify(name)} is short`,
            );
          }
          const value = uint64(view, p, what);
          p += 8;
          return value;
        };
        if (uncompressed === MAX32) take("an entry's size");
        if (stored === MAX32) stored = take("an entry's size");
        if (headerOffset === MAX32) headerOffset = take("an entry's offset");
      }
      e += 4 + length;
    }
    entries.push({ name, method, size: stored, headerOffset });
    at = next;
  }
  return entries;
}

/**
 * Where an entry's data starts: after its local header, whose name and extra
 * field lengths may differ from the central directory's (writers pad the
 * local extra field to align the data).
 *
 * @throws {ZipError} If the local header is missing or the data runs past the
 * end of the file.
 */
export async function zipDataOffset(
  source: ByteSource,
  entry: ZipEntry,
): Promise<number> {
  if (entry.headerOffset + 30 > source.size) {
    throw new ZipError(
      `the local header of ${
        JSON.stringify(entry.name)
      } lies past the end of the file`,
    );
  }
  const header = await source.readAt(entry.headerOffset, 30);
  const view = new DataView(header.buffer);
  if (view.getUint32(0, true) !== LOCAL) {
    throw new ZipError(
      `the local header of ${JSON.stringify(entry.name)} is missing`,
    );
  }
  const start = entry.headerOffset + 30 + view.getUint16(26, true) +
    view.getUint16(28, true);
  if (start + entry.size > source.size) {
    throw new ZipError(
      `the data of ${JSON.stringify(entry.name)} runs past the end of the file`,
    );
  }
  return start;
}

/** Compressed bytes are read from the file this many at a time. */
const CHUNK = 1 << 20;

/**
 * An entry's bytes, stored or deflated (inflated): the first `limit` of them
 * (reading only as much of the file as that takes), or all.
 *
 * @throws {ZipError} For a compression method other than stored (0) and
 * deflated (8), or deflated data that does not inflate.
 */
export async function readZipEntry(
  source: ByteSource,
  entry: ZipEntry,
  limit = Infinity,
): Promise<Uint8Array> {
  const start = await zipDataOffset(source, entry);
  if (entry.method === 0) {
    return await source.readAt(start, Math.min(entry.size, limit));
  }
  if (entry.method !== 8) {
    throw new ZipError(
      `${
        JSON.stringify(entry.name)
      } is compressed with method ${entry.method}; stored and deflated are read`,
    );
  }
  let read = 0;
  const compressed = new ReadableStream<BufferSource>({
    async pull(controller) {
      if (read >= entry.size) return controller.close();
      const n = Math.min(CHUNK, entry.size - read);
      // readAt gives a fresh buffer of its own (an ArrayBuffer).
      controller.enqueue(
        await source.readAt(start + read, n) as Uint8Array<ArrayBuffer>,
      );
      read += n;
    },
  });
  const reader = compressed.pipeThrough(new DecompressionStream("deflate-raw"))
    .getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new ZipError(
      `${JSON.stringify(entry.name)} does not inflate: ${error.message}`,
    );
  } finally {
    await reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
