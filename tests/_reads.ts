/**
 * Counting how the helpers read tensors: asynchronous reads (`data()`) of
 * the tensors given, and synchronous reads (`dataSync()`, `arraySync()`) of
 * any tensor at all, which the helpers must never make (tfjs cannot read a
 * WebGPU tensor synchronously in Deno).
 *
 * @module
 */
import { tf } from "../lib/tf.ts";

/** The reads counted since {@linkcode spyReads}. */
export interface ReadSpy {
  /** `data()` calls, one count per tensor given, in order. */
  readonly data: number[];
  /** `data()` calls on any tensor (those given included). */
  readonly anyData: number;
  /** `dataSync()` and `arraySync()` calls on any tensor. */
  readonly sync: number;
  /** Zeroes the counts. */
  reset(): void;
  /** Puts the original methods back. */
  restore(): void;
}

/**
 * Counts `data()` on each of `tensors` (spied on the instance), `data()` on
 * any tensor, and every synchronous read of any tensor (these spied on
 * `tf.Tensor.prototype`). Call
 * `restore()` in a `finally`.
 */
export function spyReads(...tensors: tf.Tensor[]): ReadSpy {
  const data = tensors.map(() => 0);
  let anyData = 0;
  let sync = 0;
  const proto = tf.Tensor.prototype;
  const { data: read, dataSync, arraySync } = proto;
  proto.data = function (this: tf.Tensor) {
    anyData++;
    return read.call(this);
  } as typeof proto.data;
  proto.dataSync = function (this: tf.Tensor) {
    sync++;
    return dataSync.call(this);
  } as typeof proto.dataSync;
  proto.arraySync = function (this: tf.Tensor) {
    sync++;
    return arraySync.call(this);
  } as typeof proto.arraySync;
  tensors.forEach((t, i) => {
    t.data = (() => {
      data[i]++;
      return proto.data.call(t); // the prototype's spy: counted in anyData too
    }) as typeof t.data;
  });
  return {
    get data() {
      return [...data];
    },
    get anyData() {
      return anyData;
    },
    get sync() {
      return sync;
    },
    reset() {
      data.fill(0);
      anyData = 0;
      sync = 0;
    },
    restore() {
      proto.data = read;
      proto.dataSync = dataSync;
      proto.arraySync = arraySync;
      // The spies are own properties; deleting them uncovers the prototype's.
      for (const t of tensors) delete (t as { data?: unknown }).data;
    },
  };
}
