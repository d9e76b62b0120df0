/**
 * PNG rendering with resvg's WebAssembly build and a font from npm, loaded on
 * first use.
 *
 * @module
 */
import { rangeError } from "../lib/validate.ts";
type Resvg = typeof import("@resvg/resvg-wasm");

let ready: Promise<{ resvg: Resvg; fonts: Uint8Array[] }> | null = null;

/**
 * Loads resvg and the DejaVu Sans fonts on the first PNG (not at import:
 * they cost ~30 ms), once; both ship inside npm packages. The font package
 * has no JavaScript, so its package.json is imported to bring it into the
 * module graph, and the .ttf beside it is read.
 */
function load(): Promise<{ resvg: Resvg; fonts: Uint8Array[] }> {
  ready ??= (async () => {
    await import("dejavu-fonts-ttf/package.json", { with: { type: "json" } });
    const resvg = await import("@resvg/resvg-wasm");
    const file = (specifier: string) =>
      Deno.readFile(new URL(import.meta.resolve(specifier)));
    await resvg.initWasm(await file("@resvg/resvg-wasm/index_bg.wasm"));
    const fonts = await Promise.all([
      file("dejavu-fonts-ttf/ttf/DejaVuSans.ttf"),
      file("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf"),
    ]);
    return { resvg, fonts };
  })();
  return ready;
}

/**
 * Rasterises an SVG document to PNG.
 *
 * @param svg A standalone SVG document.
 * @param scale Pixels per SVG unit.
 * @returns PNG bytes.
 */
export async function renderPng(
  svg: string,
  scale: number,
): Promise<Uint8Array> {
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw rangeError("renderPng", "scale", "a finite number > 0", scale);
  }
  const { resvg: lib, fonts } = await load();
  const resvg = new lib.Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: {
      fontBuffers: fonts,
      loadSystemFonts: false,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  });
  const image = resvg.render();
  const png = image.asPng();
  image.free();
  resvg.free();
  return png;
}
