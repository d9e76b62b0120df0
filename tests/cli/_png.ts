/**
 * A small PNG decoder for pixel checks on browser screenshots: 8-bit
 * greyscale, grey + alpha, RGB and RGBA, not interlaced (what Chromium's
 * `Page.captureScreenshot` writes). Inflating uses the platform's
 * `DecompressionStream("deflate")` (zlib), so there is no dependency.
 *
 * @module
 */

/** A decoded image: `data` holds RGBA bytes, row by row. */
export interface Image {
  width: number;
  height: number;
  data: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes a PNG file's bytes; throws on anything it does not support. */
export async function decodePng(png: Uint8Array): Promise<Image> {
  if (png.length < 8 || SIGNATURE.some((b, i) => png[i] !== b)) {
    throw new Error("decodePng: not a PNG (bad signature)");
  }
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const body = png.subarray(at + 8, at + 8 + length);
    if (body.length !== length) throw new Error(`decodePng: truncated ${type}`);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [depth, color, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || !(color in CHANNELS) || interlace !== 0) {
        throw new Error(
          `decodePng: unsupported bit depth ${depth}, colour type ${color} or interlace ${interlace}`,
        );
      }
      colorType = color;
    } else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") break;
    at += 12 + length;
  }
  if (colorType < 0 || idat.length === 0) {
    throw new Error("decodePng: no IHDR or no IDAT chunk");
  }
  const joined = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
  idat.reduce((offset, c) => (joined.set(c, offset), offset + c.length), 0);
  const raw = await inflate(joined);
  const bpp = CHANNELS[colorType];
  const stride = width * bpp;
  if (raw.length < height * (stride + 1)) {
    throw new Error("decodePng: image data is shorter than the image");
  }
  // Undo the per-row filters in place.
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = up ? up[i] : 0;
      const c = up && i >= bpp ? up[i - bpp] : 0;
      let v = src[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) v += paeth(a, b, c);
      else if (filter !== 0) {
        throw new Error(`decodePng: bad filter ${filter} on row ${y}`);
      }
      row[i] = v & 255;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * bpp;
    const grey = colorType === 0 || colorType === 4;
    data[4 * p] = pixels[s];
    data[4 * p + 1] = grey ? pixels[s] : pixels[s + 1];
    data[4 * p + 2] = grey ? pixels[s] : pixels[s + 2];
    data[4 * p + 3] = colorType === 4
      ? pixels[s + 1]
      : colorType === 6
      ? pixels[s + 3]
      : 255;
  }
  return { width, height, data };
}

/** What a screenshot shows, in numbers, for "is it blank?" checks. */
export interface PixelSummary {
  /** The most common colour, as `#rrggbb`. */
  background: string;
  /** The fraction of pixels whose colour differs from the background. */
  inked: number;
  /** How many distinct RGB colours appear. */
  colours: number;
  /** The fraction of clearly coloured (not grey) pixels: max − min channel > 48. */
  saturated: number;
}

/** Summarises an image's pixels (alpha ignored). */
export function pixelSummary(image: Image): PixelSummary {
  const counts = new Map<number, number>();
  const n = image.width * image.height;
  let saturated = 0;
  for (let p = 0; p < n; p++) {
    const r = image.data[4 * p];
    const g = image.data[4 * p + 1];
    const b = image.data[4 * p + 2];
    const key = (r << 16) | (g << 8) | b;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (Math.max(r, g, b) - Math.min(r, g, b) > 48) saturated++;
  }
  let background = 0;
  let most = -1;
  for (const [key, count] of counts) {
    if (count > most) [background, most] = [key, count];
  }
  return {
    background: `#${background.toString(16).padStart(6, "0")}`,
    inked: n ? (n - most) / n : 0,
    colours: counts.size,
    saturated: n ? saturated / n : 0,
  };
}
