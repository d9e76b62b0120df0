/**
 * Tensors stored as strided views of a run of elements, as PyTorch storages
 * and numpy arrays are: an element offset, a shape and strides over the
 * elements of one byte source. A {@linkcode StridedWeightFile} reads them:
 * a view whose elements lie in row-major order is read as one byte range (or
 * one range per run of rows for `readRows`); any other view (a transpose, a
 * Fortran-ordered array, a broadcast row) is gathered from the span of
 * elements it touches.
 *
 * @module
 */
import { tf } from "../tf.ts";
import { show } from "../validate.ts";
import { type ByteSource, decodeElements, ITEM_SIZE } from "./_format.ts";
import { matrixOf } from "./_safetensors_file.ts";
import { type SafetensorsDType, SafetensorsError } from "./_types.ts";
import {
  checkRows,
  notOwnWeight,
  plainWeight,
  rowRuns,
  type StoredWeight,
  type WeightFile,
  type WeightFormat,
} from "./_weight_file.ts";

/** A view's place: element offset, shape and strides (in elements). */
export interface View {
  /** The element type. */
  dtype: SafetensorsDType;
  /** The first element, counted from the start of its run. */
  offset: number;
  /** The shape. */
  shape: readonly number[];
  /** The step between neighbours along each axis, in elements. */
  stride: readonly number[];
}

/** One tensor of a {@linkcode StridedWeightFile}. */
export interface StridedTensor extends View {
  /** Its name. */
  name: string;
  /** The byte offset of element 0 of its run in its source. */
  base: number;
  /** Its bytes' source (asked for on each read). */
  source: () => Promise<ByteSource>;
}

/**
 * The strides (in elements) of a dense array of this shape: row-major, or
 * column-major (Fortran order, as numpy may save an array).
 */
export function denseStrides(
  shape: readonly number[],
  fortran = false,
): number[] {
  const out = new Array<number>(shape.length);
  let step = 1;
  for (let k = 0; k < shape.length; k++) {
    const i = fortran ? k : shape.length - 1 - k;
    out[i] = step;
    step *= shape[i];
  }
  return out;
}

/** A view's element count, and the last element of its run it touches. */
export function extent(view: View): { count: number; last: number } {
  let count = 1;
  let last = view.offset;
  for (let i = 0; i < view.shape.length; i++) {
    count *= view.shape[i];
    last += (view.shape[i] - 1) * view.stride[i];
  }
  return { count, last };
}

/** Whether the view is its run's elements in row-major order. */
export function contiguous(view: View): boolean {
  let expected = 1;
  for (let i = view.shape.length - 1; i >= 0; i--) {
    if (view.shape[i] !== 1 && view.stride[i] !== expected) return false;
    expected *= view.shape[i];
  }
  return true;
}

type Elements = Float32Array | Int32Array | Uint8Array;

/**
 * The view's elements (of `rows`, seen as [rows, last axis], or all), gathered
 * from `span`, the decoded elements of its run from the view's offset on.
 */
function gather(
  span: Elements,
  view: View,
  rows: readonly number[] | null,
): Elements {
  const shape = view.shape;
  const [count, cols] = matrixOf(shape);
  const picked = rows ?? Array.from({ length: count }, (_, i) => i);
  const out = new (span.constructor as {
    new (n: number): Elements;
  })(picked.length * cols);
  const rank = shape.length;
  const colStride = rank === 0 ? 0 : view.stride[rank - 1];
  let o = 0;
  for (const r of picked) {
    // The run index of row r's first element.
    let base = 0;
    let rest = r;
    for (let axis = rank - 2; axis >= 0; axis--) {
      base += (rest % shape[axis]) * view.stride[axis];
      rest = Math.floor(rest / shape[axis]);
    }
    for (let c = 0; c < cols; c++) out[o++] = span[base + c * colStride];
  }
  return out;
}

/**
 * A {@linkcode WeightFile} of strided tensors. Errors name the file and the
 * tensor; a value tfjs cannot hold (an int64 past int32) is one of them.
 */
export class StridedWeightFile implements WeightFile {
  readonly format: WeightFormat;
  readonly path: string;
  readonly weights: readonly StoredWeight[];
  #tensors = new Map<StoredWeight, StridedTensor>();
  #close: () => void;

  /**
   * @param format The file's format.
   * @param path The file.
   * @param tensors Its tensors, in order, already checked to lie inside
   * their sources.
   * @param close Releases the sources.
   */
  constructor(
    format: WeightFormat,
    path: string,
    tensors: readonly StridedTensor[],
    close: () => void,
  ) {
    this.format = format;
    this.path = path;
    this.#close = close;
    const weights: StoredWeight[] = [];
    for (const tensor of tensors) {
      const weight = plainWeight(
        tensor.name,
        tensor.shape,
        tensor.dtype,
        path,
        extent(tensor).count * ITEM_SIZE[tensor.dtype],
      );
      this.#tensors.set(weight, tensor);
      weights.push(weight);
    }
    this.weights = Object.freeze(weights);
  }

  #tensor(weight: StoredWeight, method: string): StridedTensor {
    const tensor = this.#tensors.get(weight);
    if (tensor === undefined) throw notOwnWeight(method, this.path, weight);
    return tensor;
  }

  /** Reads elements [first, first + n) of the tensor's run, decoded. */
  async #elements(
    tensor: StridedTensor,
    first: number,
    n: number,
  ): Promise<Elements> {
    const width = ITEM_SIZE[tensor.dtype];
    try {
      const source = await tensor.source();
      const bytes = await source.readAt(tensor.base + first * width, n * width);
      return decodeElements(this.path, tensor.name, tensor.dtype, bytes, first);
    } catch (error) {
      if (error instanceof SafetensorsError) {
        throw new Error(
          `${this.path}, tensor ${show(tensor.name)}: ${error.detail}`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async #decoded(
    weight: StoredWeight,
    rows: readonly number[] | null,
  ): Promise<Elements> {
    const tensor = this.#tensor(weight, rows === null ? "read" : "readRows");
    const { count, last } = extent(tensor);
    const [rowCount, cols] = matrixOf(tensor.shape);
    if (rows !== null) checkRows(weight, rows, rowCount);
    if (count === 0 || rows?.length === 0) return new Float32Array(0);
    if (!contiguous(tensor)) {
      const span = await this.#elements(
        tensor,
        tensor.offset,
        last - tensor.offset + 1,
      );
      return gather(span, tensor, rows);
    }
    if (rows === null) {
      return await this.#elements(tensor, tensor.offset, count);
    }
    const parts: Elements[] = [];
    for (const [i, j] of rowRuns(rows, cols * ITEM_SIZE[tensor.dtype])) {
      parts.push(
        await this.#elements(
          tensor,
          tensor.offset + rows[i] * cols,
          (j - i) * cols,
        ),
      );
    }
    const out = new (parts[0].constructor as { new (n: number): Elements })(
      rows.length * cols,
    );
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** Reads one weight as a tensor of its dtype; the caller owns it. */
  async read(weight: StoredWeight): Promise<tf.Tensor> {
    const values = await this.#decoded(weight, null);
    return tf.tensor(values, [...weight.shape], weight.dtype);
  }

  /** Reads some rows of the weight seen as a matrix, in Float64. */
  async readRows(
    weight: StoredWeight,
    rows: readonly number[],
  ): Promise<Float64Array> {
    return Float64Array.from(await this.#decoded(weight, rows));
  }

  /** Releases the sources. */
  close(): void {
    this.#close();
  }
}
