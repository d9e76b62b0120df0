/**
 * `plotModule` of a 10-layer MLP (256 → 256 ×9 → 10, after one forward
 * pass) on the current backend: the cost of drawing a whole model, which
 * the asynchronous reads must not change on wasm and cpu. Run it with
 * `EMBER_BACKEND=cpu` or `wasm` (default: auto).
 *
 * @module
 */
import { measure } from "./_harness.ts";
import {
  Dense,
  getBackend,
  plotModule,
  Sequential,
  setSeed,
  tf,
} from "../mod.ts";

/** Runs the benchmark. */
export async function run(): Promise<void> {
  setSeed(10);
  const layers = Array.from(
    { length: 10 },
    (_, i) =>
      new Dense(i === 9 ? 10 : 256, {
        activation: i === 9 ? undefined : "relu",
      }),
  );
  const net = new Sequential(layers);
  const x = tf.randomNormal([8, 256], 0, 1, "float32", 1);
  net.call(x).dispose();
  x.dispose();
  const t = await measure(async () => await plotModule(net), { runs: 5 });
  console.log(
    `\nplotModule of a 10-layer MLP (20 parameters, 600k values) on ${getBackend()}: median ${
      t.median.toFixed(0)
    } ms (min ${t.min.toFixed(0)}, ${t.runs} runs)`,
  );
  net.dispose();
}

if (import.meta.main) await run();
