/**
 * The 8-bit floats of safetensors (F8_E4M3, F8_E5M2, as FP8 checkpoints on
 * Hugging Face store them): every byte decodes to its exact value, in every
 * reader (the loader, `openWeights`' read and readRows), and the stored
 * format reaches the spectrum analysis through `storagePrecision`.
 */
import { assert, assertEquals, assertLess } from "@std/assert";
import { join } from "node:path";
import {
  analyzeSpectrum,
  loadSafetensors,
  loadWeights,
  openWeights,
  tf,
} from "../../mod.ts";
import { buildFile, entry } from "./_helpers.ts";
import { withTempDir } from "../_scoped.ts";
import { float8, rankR } from "../stats/_spectra.ts";

const BYTES = Uint8Array.from({ length: 256 }, (_, b) => b);

/** Float32 values as bit patterns, so NaN equals NaN and -0 differs from 0. */
function bits(values: ArrayLike<number>): number[] {
  return Array.from(new Uint32Array(Float32Array.from(values).buffer));
}

async function writeFile(dir: string): Promise<string> {
  const path = join(dir, "fp8.safetensors");
  await Deno.writeFile(
    path,
    buildFile(
      {
        e4: entry("F8_E4M3", [16, 16], 0, 256),
        e5: entry("F8_E5M2", [16, 16], 256, 512),
      },
      [...BYTES, ...BYTES],
    ),
  );
  return path;
}

Deno.test("F8_E5M2: every byte is the float16 whose top byte it is (the platform's float16 decoder)", () =>
  withTempDir(async (dir) => {
    const loaded = await loadSafetensors(await writeFile(dir));
    try {
      const e5 = await loaded.get("e5")!.data();
      const half = new Float16Array(
        Uint16Array.from(BYTES, (b) => b << 8).buffer,
      );
      // NaN payloads aside (a NaN byte decodes to NaN, its payload not kept).
      const canonical = (v: number) => Number.isNaN(v) ? NaN : v;
      assertEquals(bits(e5), bits(Array.from(half, canonical)));
      assertEquals(e5.filter(Number.isNaN).length, 6);
      assertEquals([e5[0x7b], e5[0x7c], e5[0x01]], [57344, Infinity, 2 ** -16]);
    } finally {
      tf.dispose([...loaded.values()]);
    }
  }));

Deno.test("F8_E4M3 (float8_e4m3fn): the OCP values, no infinities, two NaNs, increasing, symmetric", () =>
  withTempDir(async (dir) => {
    const loaded = await loadSafetensors(await writeFile(dir));
    try {
      const e4 = await loaded.get("e4")!.data();
      // Smallest subnormal, largest subnormal, smallest normal, 1, 1.875, max.
      assertEquals(
        [e4[0x01], e4[0x07], e4[0x08], e4[0x38], e4[0x3f], e4[0x7e]],
        [2 ** -9, 7 * 2 ** -9, 2 ** -6, 1, 1.875, 448],
      );
      assert(Object.is(e4[0x80], -0), "0x80 is -0");
      const nan = [...e4.keys()].filter((b) => Number.isNaN(e4[b]));
      assertEquals(nan, [0x7f, 0xff]);
      assert(
        e4.every((v) => Number.isNaN(v) || Number.isFinite(v)),
        "no infinities",
      );
      for (let b = 1; b < 0x7f; b++) assertLess(e4[b - 1], e4[b], `byte ${b}`);
      for (let b = 0; b < 0x7f; b++) assertEquals(e4[b | 0x80], -e4[b]);
      // The helper the spectrum tests round with agrees on every finite value.
      for (let b = 0; b < 0x7f; b++) {
        assertEquals(float8(e4[b], "float8_e4m3fn"), e4[b]);
        assertEquals(float8(e4[b] * 1.01, "float8_e4m3fn"), e4[b]);
      }
    } finally {
      tf.dispose([...loaded.values()]);
    }
  }));

Deno.test("8-bit floats through openWeights (read, readRows) and loadWeights, with their storage precision", () =>
  withTempDir(async (dir) => {
    const path = await writeFile(dir);
    const loaded = await loadSafetensors(path);
    const file = await openWeights(path);
    try {
      for (const w of file.weights) {
        const all = await loaded.get(w.name)!.data();
        const rows = await file.readRows(w, [15, 0]);
        assertEquals(
          bits(rows),
          bits([...all.subarray(240), ...all.subarray(0, 16)]),
        );
        const t = await file.read(w);
        assertEquals(bits(await t.data()), bits(all));
        t.dispose();
      }
      assertEquals(file.weights.map((w) => [w.storedDtype, w.dtype]), [
        ["F8_E4M3", "float32"],
        ["F8_E5M2", "float32"],
      ]);
    } finally {
      file.close();
      tf.dispose([...loaded.values()]);
    }
    const weights = await loadWeights(path);
    try {
      assertEquals(weights.storagePrecision("e4"), {
        storedDtype: "float8_e4m3fn",
      });
      assertEquals(weights.storagePrecision("e5"), {
        storedDtype: "float8_e5m2",
      });
    } finally {
      tf.dispose([...weights.values()]);
    }
  }));

Deno.test("a rank-4 matrix stored as F8_E4M3 reads rank 4 with its storage precision, full rank without", () =>
  withTempDir(async (dir) => {
    const [m, r, n] = [96, 4, 64];
    const stored = Float32Array.from(
      rankR(m, n, r, 80_417),
      (v) => float8(v, "float8_e4m3fn"),
    );
    const e4 = await loadSafetensors(await writeFile(dir));
    const table = await e4.get("e4")!.data();
    tf.dispose([...e4.values()]);
    const byte = new Map([...table].map((v, b) => [v, b] as const));
    // A Map keys -0 and 0 alike: 0x80 (-0) is set last, so +0 is looked up apart.
    const bytes = Uint8Array.from(
      stored,
      (v) => Object.is(v, 0) ? 0 : byte.get(v)!,
    );
    const path = join(dir, "rank4.safetensors");
    await Deno.writeFile(
      path,
      buildFile({ w: entry("F8_E4M3", [m, n], 0, m * n) }, bytes),
    );
    const weights = await loadWeights(path);
    try {
      const w = weights.get("w")!;
      assertEquals(bits(await w.data()), bits(stored));
      const plain = await analyzeSpectrum(w);
      assertEquals(
        plain.rank,
        n,
        "rounding to 8 bits counts as rank without the option",
      );
      const a = await analyzeSpectrum(w, weights.storagePrecision("w"));
      assertEquals([a.rank, a.verdict], [r, "low-rank"]);
    } finally {
      tf.dispose([...weights.values()]);
    }
  }));
