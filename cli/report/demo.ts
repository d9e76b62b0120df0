/**
 * The report's built-in demo: one MLP initialised with each initializer, a
 * briefly trained MLP, and an NCP.
 *
 * @module
 */
import { tf } from "../../lib/tf.ts";
import { Dense } from "../../lib/nn/dense.ts";
import { Sequential } from "../../lib/nn/sequential.ts";
import { NCP } from "../../lib/nn/ncp/ncp.ts";
import { AutoNCP } from "../../lib/nn/ncp/neuron_maps.ts";
import type { Module } from "../../lib/nn/module.ts";
import { setSeed } from "../../lib/random/stream.ts";

/** The initializers the demo MLPs use. */
export const DEMO_INITIALIZERS = [
  "glorot_uniform",
  "glorot_normal",
  "he_normal",
  "lecun_normal",
  "orthogonal",
  "random_normal",
] as const;

function mlp(init: string): Sequential {
  return new Sequential([
    new Dense(256, { activation: "relu", kernelInitializer: init }),
    new Dense(128, { activation: "relu", kernelInitializer: init }),
    new Dense(10, { kernelInitializer: init }),
  ]);
}

/**
 * Builds the demo models: `[prefix, module]` pairs whose parameters the
 * report shows. The trained MLP learns a rank-2 linear map for a few hundred
 * Adam steps, enough for spikes to leave the Marchenko–Pastur bulk.
 */
export function demoModels(): [string, Module][] {
  setSeed(2024);
  const models: [string, Module][] = [];
  const x = tf.randomNormal([1, 512], 0, 1, "float32", 1);
  for (const init of DEMO_INITIALIZERS) {
    const net = mlp(init);
    net.call(x).dispose();
    models.push([`mlp_${init}`, net]);
  }
  x.dispose();
  const trained = new Sequential([
    new Dense(256, { activation: "tanh" }),
    new Dense(32),
  ]);
  const inputs = tf.randomNormal([512, 128], 0, 1, "float32", 2);
  const targets = tf.tidy(() => {
    const u = tf.randomNormal([128, 2], 0, 1, "float32", 3);
    const v = tf.randomNormal([2, 32], 0, 1, "float32", 4);
    return tf.matMul(tf.matMul(inputs, u), v);
  });
  trained.call(inputs).dispose();
  const optimizer = tf.train.adam(0.01);
  for (let step = 0; step < 200; step++) {
    optimizer.minimize(
      () =>
        tf.losses.meanSquaredError(targets, trained.call(inputs)) as tf.Scalar,
      false,
      trained.trainableVariables(),
    );
  }
  optimizer.dispose();
  tf.dispose([inputs, targets]);
  models.push(["mlp_trained", trained]);
  const ncp = new NCP(new AutoNCP(48, 4, { seed: 7 }));
  const seq = tf.zeros([1, 3, 16]);
  ncp.call(seq).dispose();
  seq.dispose();
  models.push(["ncp", ncp]);
  return models;
}
