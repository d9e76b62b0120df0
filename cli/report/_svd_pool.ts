/**
 * A pool of workers computing singular values, so that the report analyses
 * layers in parallel when the machine has the cores: the main thread reads
 * the next layers and draws the finished ones while the workers factorise.
 *
 * @module
 */

interface Pending {
  resolve: (sigma: Float64Array) => void;
  reject: (error: Error) => void;
}

/** Singular values on worker threads; results are exactly `singularValuesSync`'s. */
export class SvdPool {
  /** The number of workers. */
  readonly size: number;
  /** Whether each factorisation may start threads of its own. */
  readonly threads: boolean;
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #queue: [Worker | null, () => void][] = [];
  readonly #pending = new Map<number, Pending>();
  #next = 0;

  /**
   * @param size The number of workers (at least 1).
   * @param threads Whether each factorisation may also split its matrix
   * products over threads of its own: worth it only while the pool leaves
   * cores idle (default: when `size` is below `navigator.hardwareConcurrency`).
   */
  constructor(
    size: number,
    threads = Math.max(1, Math.floor(size)) <
      (navigator.hardwareConcurrency ?? 1),
  ) {
    this.size = Math.max(1, Math.floor(size));
    this.threads = threads;
    for (let i = 0; i < this.size; i++) {
      const worker = new Worker(
        new URL("./_svd_worker.ts", import.meta.url).href,
        { type: "module" },
      );
      worker.onmessage = (
        { data }: MessageEvent<
          { id: number; sigma?: Float64Array; error?: string }
        >,
      ) => {
        const job = this.#pending.get(data.id)!;
        this.#pending.delete(data.id);
        this.#release(worker);
        if (data.sigma) job.resolve(data.sigma);
        else job.reject(new Error(data.error));
      };
      this.#workers.push(worker);
      this.#idle.push(worker);
    }
  }

  #release(worker: Worker): void {
    const waiting = this.#queue.shift();
    if (waiting) {
      waiting[0] = worker;
      waiting[1]();
    } else this.#idle.push(worker);
  }

  async #acquire(): Promise<Worker> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    const slot: [Worker | null, () => void] = [null, () => {}];
    await new Promise<void>((resolve) => {
      slot[1] = resolve;
      this.#queue.push(slot);
    });
    return slot[0]!;
  }

  /**
   * The singular values of the row-major `rows × cols` matrix `values`
   * (transferred to the worker: do not use it afterwards).
   */
  async singularValues(
    values: Float32Array | Float64Array,
    rows: number,
    cols: number,
  ): Promise<Float64Array> {
    const worker = await this.#acquire();
    const id = this.#next++;
    return await new Promise<Float64Array>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, values, rows, cols, threads: this.threads }, [
        values.buffer as ArrayBuffer,
      ]);
    });
  }

  /** Stops the workers. */
  close(): void {
    for (const w of this.#workers) w.terminate();
  }
}
