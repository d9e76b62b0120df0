import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { initializers, Parameter, tf } from "../../mod.ts";

Deno.test("a Parameter takes over a tensor: its data is a Variable, nothing leaks", async () => {
  const before = tf.memory().numTensors;
  const t = initializers.glorotUniform([3, 4], { seed: 1 });
  const values = await t.data();
  const p = new Parameter(t);
  assert(t.isDisposed, "the tensor handle passed in is taken over");
  assertInstanceOf(p.data, tf.Variable);
  assertEquals(await p.data.data(), values);
  assertEquals([p.shape, p.dtype, p.size, p.trainable], [
    [3, 4],
    "float32",
    12,
    true,
  ]);
  assertEquals(p.init?.name, "glorotUniform");
  assertEquals(p.init?.fans, { fanIn: 3, fanOut: 4, receptiveField: 1 });
  assertEquals(tf.memory().numTensors, before + 1);
  p.dispose();
  assert(p.isDisposed);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("a Parameter from typed arrays and nested arrays", async () => {
  const a = new Parameter([[1, 2], [3, 4]], { name: "w" });
  assertEquals(a.shape, [2, 2]);
  assertEquals(await a.data.data(), new Float32Array([1, 2, 3, 4]));
  assertEquals(a.init, undefined);
  const b = new Parameter(new Int32Array([1, 2, 3]), { trainable: false });
  assertEquals([b.dtype, b.trainable], ["int32", false]);
  assertEquals(String(b), "Parameter(shape=[3], dtype=int32, trainable=false)");
  assertEquals(
    String(a),
    'Parameter(name="w", shape=[2, 2], dtype=float32, trainable=true)',
  );
  const v = tf.variable(tf.zeros([2]));
  const c = new Parameter(v);
  assertStrictEquals(c.data, v);
  const s = new Parameter(5);
  assertEquals(s.shape, []);
  for (const p of [a, b, c, s]) p.dispose();
});

Deno.test("bad Parameter data gets clear errors", () => {
  const before = tf.memory().numTensors;
  // deno-lint-ignore no-explicit-any
  const bad = (x: unknown) => () => new Parameter(x as any);
  assertThrows(
    bad(undefined),
    TypeError,
    "Parameter: data must be a tf.Tensor, a typed array or nested number arrays, received undefined",
  );
  assertThrows(bad(null), TypeError, "Parameter: data must be");
  assertThrows(
    bad([[1, 2], [3]]),
    RangeError,
    "Parameter: data[1] must be of shape [2], as data[0] is (no ragged arrays), received an array of shape [1]",
  );
  assertThrows(
    bad([[1, "x"]]),
    TypeError,
    'Parameter: data[0][1] must be a number, received "x"',
  );
  assertThrows(bad({}), TypeError);
  const t = tf.ones([2]);
  t.dispose();
  assertThrows(
    bad(t),
    TypeError,
    "Parameter: data must be a tensor that is not disposed, received a disposed tensor",
  );
  assertThrows(
    () => new Parameter([1], { trainable: "yes" as never }),
    TypeError,
    'Parameter: options.trainable must be a boolean, received "yes"',
  );
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("assign checks shape and dtype and keeps the variable", async () => {
  const p = new Parameter(tf.zeros([2, 2]));
  const v = p.data;
  const x = tf.ones([2, 2]);
  p.assign(x);
  assertStrictEquals(p.data, v);
  assertEquals(await p.data.data(), new Float32Array([1, 1, 1, 1]));
  const wrongShape = tf.ones([4]);
  assertThrows(
    () => p.assign(wrongShape),
    RangeError,
    "Parameter.assign: value.shape must be the parameter's shape [2, 2], received [4]",
  );
  const wrongType = tf.ones([2, 2], "int32");
  assertThrows(
    () => p.assign(wrongType),
    TypeError,
    'Parameter.assign: value.dtype must be the parameter\'s dtype "float32", received "int32"',
  );
  tf.dispose([x, wrongShape, wrongType]);
  p.dispose();
});
