/**
 * PNG rendering with resvg's WebAssembly build and a font from npm, loaded on
 * first use.
 *
 * @module
 */
import "dejavu-fonts-ttf/package.json" with { type: "json" };
import { initWasm, Resvg } from "@resvg/resvg-wasm";

let ready: Promise<Uint8Array[]> | null = null;

/** Loads resvg's wasm and the DejaVu Sans fonts once; both ship inside npm packages. */
function load(): Promise<Uint8Array[]> {
  ready ??= (async () => {
    const file = (specifier: string) =>
      Deno.readFile(new URL(import.meta.resolve(specifier)));
    await initWasm(await file("@resvg/resvg-wasm/index_bg.wasm"));
    return await Promise.all([
      file("dejavu-fonts-ttf/ttf/DejaVuSans.ttf"),
      file("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf"),
    ]);
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
    throw new RangeError(
      `scale must be a finite number > 0, received ${scale}`,
    );
  }
  const fonts = await load();
  const resvg = new Resvg(svg, {
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
