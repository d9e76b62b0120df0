#!/usr/bin/env python3
"""Reads a Hugging Face sharded safetensors checkpoint with python3 + numpy:
the index (model.safetensors.index.json) and each shard, read by
read_safetensors.py (written to the specification, not the `safetensors`
package). Prints what it holds as JSON.

Usage: python3 tests/io/read_sharded_safetensors.py INDEX

Output: {"tensors": [{"name", "shard", "dtype", "shape", "bits" (hex float32
bit patterns: F32 as stored; F16, BF16 and F64 converted to float32 by
numpy) or "values" (integer and BOOL)}]}, shard by shard in the order the
shards first appear in weight_map, each shard's tensors in data order. An
index that disagrees with its shards (a mapped tensor missing from its
shard, a shard tensor the index does not map to it, a tensor in two shards,
a name twice in the index, a shard outside the index's folder) exits with
status 1 and a message on stderr.
"""

import json
import os
import sys

from read_safetensors import fail, no_duplicates, read


def unique(pairs):
    return no_duplicates(pairs, "a key appears twice in the index")


def main(index):
    with open(index, encoding="utf-8") as f:
        weight_map = json.load(f, object_pairs_hook=unique)["weight_map"]
    folder = os.path.dirname(index)
    shards = {}
    for name, shard in weight_map.items():
        parts = shard.replace("\\", "/").split("/")
        if os.path.isabs(shard) or ".." in parts:
            fail(f"{name}: shard {shard} is outside the index's folder")
        shards.setdefault(os.path.normpath(shard), []).append(name)
    seen = {}
    out = []
    for shard, names in shards.items():
        path = os.path.join(folder, shard)
        content = read(path)
        held = [t["name"] for t in content["tensors"]]
        for name in held:
            if name in seen:
                fail(f"{name} is in shards {seen[name]} and {shard}")
            seen[name] = shard
        if sorted(held) != sorted(names):
            fail(f"shard {shard} holds {sorted(held)}, the index maps "
                 f"{sorted(names)} to it")
        for t in content["tensors"]:
            item = {"name": t["name"], "shard": shard, "dtype": t["dtype"],
                    "shape": t["shape"]}
            if "bits" in t:
                item["bits"] = t["bits"]
            else:
                item["values"] = t["values"]
            out.append(item)
    json.dump({"tensors": out}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
