/**
 * A tiny WebAssembly binary writer: enough of the format (one memory, one
 * function type per function, i32/f64/v128 locals, structured control flow,
 * loads and stores, the SIMD opcodes the kernels use) to emit the linear
 * algebra kernels from TypeScript, with no external toolchain.
 *
 * @module
 */

/** Value types of the WebAssembly binary format. */
export const I32 = 0x7f;
/** The `f64` value type. */
export const F64 = 0x7c;
/** The `v128` value type (SIMD). */
export const V128 = 0x7b;
/** A value type the writer supports. */
export type ValType = typeof I32 | typeof F64 | typeof V128;

/** Appends the unsigned LEB128 encoding of `value` to `out`. */
function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

/** Appends the signed LEB128 encoding of the 32-bit integer `value` to `out`. */
function sleb(out: number[], value: number): void {
  let v = value | 0;
  while (true) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) ||
      (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

/** Appends a length-prefixed UTF-8 name. */
function name(out: number[], text: string): void {
  const bytes = new TextEncoder().encode(text);
  uleb(out, bytes.length);
  out.push(...bytes);
}

/**
 * The body of one function, written as a sequence of instructions. Every
 * method appends one instruction (or a short fixed sequence) and returns
 * `this`, so that bodies read top to bottom like the text format.
 */
export class FunctionWriter {
  /** The exported name. */
  readonly name: string;
  /** Parameter types; parameters are locals `0 .. params.length - 1`. */
  readonly params: readonly ValType[];
  /** Result types. */
  readonly results: readonly ValType[];
  private readonly locals: ValType[] = [];
  private readonly code: number[] = [];

  /** Starts a function with the given signature. */
  constructor(
    name: string,
    params: readonly ValType[],
    results: readonly ValType[] = [],
  ) {
    this.name = name;
    this.params = params;
    this.results = results;
  }

  /** Declares a new local of `type` and returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  /** Appends raw bytes (an opcode and its immediates). */
  raw(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  /** `local.get index`. */
  get(index: number): this {
    this.code.push(0x20);
    uleb(this.code, index);
    return this;
  }

  /** `local.set index`. */
  set(index: number): this {
    this.code.push(0x21);
    uleb(this.code, index);
    return this;
  }

  /** `local.tee index`. */
  tee(index: number): this {
    this.code.push(0x22);
    uleb(this.code, index);
    return this;
  }

  /** `i32.const value`. */
  i32(value: number): this {
    this.code.push(0x41);
    sleb(this.code, value);
    return this;
  }

  /** `f64.const value`. */
  f64(value: number): this {
    this.code.push(0x44);
    const bytes = new Uint8Array(new Float64Array([value]).buffer);
    this.code.push(...bytes);
    return this;
  }

  /** A SIMD instruction: the `0xfd` prefix, its opcode, then immediates. */
  simd(opcode: number, ...immediates: number[]): this {
    this.code.push(0xfd);
    uleb(this.code, opcode);
    for (const imm of immediates) uleb(this.code, imm);
    return this;
  }

  /** A memory instruction with its `memarg` (alignment exponent, offset). */
  mem(opcode: number, align: number, offset: number): this {
    this.code.push(opcode);
    uleb(this.code, align);
    uleb(this.code, offset);
    return this;
  }

  /** A SIMD memory instruction with its `memarg`. */
  simdMem(opcode: number, align: number, offset: number): this {
    this.code.push(0xfd);
    uleb(this.code, opcode);
    uleb(this.code, align);
    uleb(this.code, offset);
    return this;
  }

  /** `block` (no result) … `end`, with `body` written inside. */
  block(body: () => void): this {
    this.code.push(0x02, 0x40);
    body();
    this.code.push(0x0b);
    return this;
  }

  /** `loop` (no result) … `end`, with `body` written inside. */
  loop(body: () => void): this {
    this.code.push(0x03, 0x40);
    body();
    this.code.push(0x0b);
    return this;
  }

  /** `if` (no result) … `end`; the condition must be on the stack. */
  if(body: () => void): this {
    this.code.push(0x04, 0x40);
    body();
    this.code.push(0x0b);
    return this;
  }

  /** `br depth`. */
  br(depth: number): this {
    this.code.push(0x0c);
    uleb(this.code, depth);
    return this;
  }

  /** `br_if depth`. */
  brIf(depth: number): this {
    this.code.push(0x0d);
    uleb(this.code, depth);
    return this;
  }

  /** The encoded body: local declarations, instructions, `end`. */
  body(): number[] {
    const out: number[] = [];
    // Locals are declared as runs of one type.
    const runs: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    uleb(out, runs.length);
    for (const [count, type] of runs) {
      uleb(out, count);
      out.push(type);
    }
    out.push(...this.code, 0x0b);
    return out;
  }
}

/** Appends a section: its id, byte length and contents. */
function section(out: number[], id: number, contents: number[]): void {
  out.push(id);
  uleb(out, contents.length);
  out.push(...contents);
}

/** The memory a module imports as `env.memory`. */
export interface MemoryImport {
  /** Initial size in 64 KiB pages. */
  initial: number;
  /** Maximum size in pages (required for shared memory). */
  maximum: number;
  /** Whether it is a shared memory (for use from several threads). */
  shared: boolean;
}

/**
 * Encodes a module that imports its memory as `env.memory` and exports
 * `functions` by name.
 */
export function writeModule(
  functions: readonly FunctionWriter[],
  memory: MemoryImport,
): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(types, functions.length);
  for (const f of functions) {
    types.push(0x60);
    uleb(types, f.params.length);
    types.push(...f.params);
    uleb(types, f.results.length);
    types.push(...f.results);
  }
  section(out, 1, types);
  const imports: number[] = [1];
  name(imports, "env");
  name(imports, "memory");
  imports.push(0x02, memory.shared ? 0x03 : 0x01);
  uleb(imports, memory.initial);
  uleb(imports, memory.maximum);
  section(out, 2, imports);
  const funcs: number[] = [];
  uleb(funcs, functions.length);
  functions.forEach((_, i) => uleb(funcs, i));
  section(out, 3, funcs);
  const exports: number[] = [];
  uleb(exports, functions.length);
  functions.forEach((f, i) => {
    name(exports, f.name);
    exports.push(0x00);
    uleb(exports, i);
  });
  section(out, 7, exports);
  const code: number[] = [];
  uleb(code, functions.length);
  for (const f of functions) {
    const body = f.body();
    uleb(code, body.length);
    code.push(...body);
  }
  section(out, 10, code);
  return new Uint8Array(out);
}

/** The opcodes the kernels use (single-byte ones; SIMD ones go through {@linkcode FunctionWriter.simd}). */
export const OP = {
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32GtS: 0x4a,
  i32LeS: 0x4c,
  i32GeS: 0x4e,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32Shl: 0x74,
  f64Load: 0x2b,
  f64Store: 0x39,
  f64Abs: 0x99,
  f64Neg: 0x9a,
  f64Sqrt: 0x9f,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f64Div: 0xa3,
} as const;

/** SIMD opcodes (after the `0xfd` prefix). */
export const SIMD = {
  v128Load: 0x00,
  load64Splat: 0x0a,
  v128Store: 0x0b,
  v128Const: 0x0c,
  f64x2Splat: 0x14,
  f64x2ExtractLane: 0x21,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2RelaxedMadd: 0x107,
} as const;
