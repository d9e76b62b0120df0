/**
 * A small timing harness for `deno task bench`: medians of repeated runs,
 * printed side by side with the peer measured in the same run.
 *
 * @module
 */

/** Timings of one measured thing, in milliseconds. */
export interface Timing {
  median: number;
  min: number;
  runs: number;
}

/** Options for {@linkcode measure}. */
export interface MeasureOptions {
  /** Untimed calls first. Default 1. */
  warmup?: number;
  /** Timed calls. Default 5. */
  runs?: number;
  /** Stop adding runs after this many milliseconds in total (at least 1 run). Default 20000. */
  budgetMs?: number;
}

/** Times `fn` (awaited) and returns the median and minimum. */
export async function measure(
  fn: () => unknown,
  options: MeasureOptions = {},
): Promise<Timing> {
  const { warmup = 1, runs = 5, budgetMs = 20000 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const started = performance.now();
  while (times.length < runs) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    if (performance.now() - started > budgetMs) break;
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2
    ? times[mid]
    : (times[mid - 1] + times[mid]) / 2;
  return { median, min: times[0], runs: times.length };
}

/** One row of a results table: a case, and timings by contender (`null`: skipped). */
export interface Row {
  case: string;
  timings: Record<string, Timing | null>;
}

/** Formats milliseconds for a table. */
export function ms(t: Timing | null): string {
  if (t === null) return "skipped";
  return t.median >= 100
    ? `${t.median.toFixed(0)} ms`
    : `${t.median.toPrecision(3)} ms`;
}

/**
 * Prints a table: one column per contender, and the ratio of each peer's
 * median to ours (`>1` means ours is faster).
 */
export function printTable(title: string, ours: string, rows: Row[]): void {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.timings)))];
  const peers = names.filter((n) => n !== ours);
  const header = [
    "case",
    ...names,
    ...peers.map((p) => `${p} / ${ours}`),
  ];
  const lines = rows.map((r) => {
    const mine = r.timings[ours];
    return [
      r.case,
      ...names.map((n) => ms(r.timings[n] ?? null)),
      ...peers.map((p) => {
        const t = r.timings[p];
        return t && mine ? `${(t.median / mine.median).toFixed(2)}×` : "–";
      }),
    ];
  });
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => l[i].length))
  );
  const fmt = (cells: string[]) =>
    "| " + cells.map((c, i) => c.padEnd(widths[i])).join(" | ") + " |";
  console.log(`\n${title}`);
  console.log(fmt(header));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const l of lines) console.log(fmt(l));
}

/** Runs a command and returns its stdout, or `null` if it could not run. */
export async function runCommand(
  cmd: string[],
  env: Record<string, string> = {},
): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : null;
  } catch {
    return null;
  }
}
