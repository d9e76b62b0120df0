/**
 * `deno task bench [name ...]`: runs every benchmark in this folder (or the
 * named ones), each printing our figure beside the peer's from the same run.
 * Results are recorded, with the machine, in bench/RESULTS.md.
 *
 * @module
 */
const BENCHES: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  import: () => import("./import_bench.ts"),
  random: () => import("./random_bench.ts"),
  qr: () => import("./qr_bench.ts"),
  svd: () => import("./svd_bench.ts"),
  spectrum: () => import("./spectrum_bench.ts"),
  module: () => import("./module_bench.ts"),
  report: () => import("./report_bench.ts"),
};

const wanted = Deno.args.length > 0 ? Deno.args : Object.keys(BENCHES);
for (const name of wanted) {
  const load = BENCHES[name];
  if (!load) {
    console.error(
      `bench: unknown benchmark "${name}"; available: ${
        Object.keys(BENCHES).join(", ")
      }`,
    );
    Deno.exit(2);
  }
  await (await load()).run();
}
