#!/usr/bin/env python3
"""Reads a safetensors file with python3 + numpy, following the specification
(not the `safetensors` package), and prints what it holds as JSON.

Usage: python3 tests/io/read_safetensors.py FILE

Output: {"header_length", "data_start", "metadata", "keys" (the header's keys
in order), "tensors": [{"name", "dtype", "shape", "data_offsets", "bits" (hex
float32 bit patterns: F32 as stored, F16, BF16 and F64 converted to float32)
or "values" (for integer and BOOL)}] in data order}. A file that breaks the specification exits with status 1 and a
message on stderr.
"""

import json
import struct
import sys

import numpy as np

NUMPY = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8",
    "I32": "<i4", "I16": "<i2", "I8": "i1", "U64": "<u8", "U32": "<u4",
    "U16": "<u2", "U8": "u1", "BOOL": "u1",
}


def float32_bits(array, dtype):
    """A float tensor as float32 bit patterns: F32 as stored, F16 and F64
    converted by numpy, BF16 as its 16 bits followed by 16 zero bits."""
    if dtype == "BF16":
        return array.astype("<u4") << 16
    with np.errstate(over="ignore", invalid="ignore"):
        return array.astype("<f4").view("<u4")


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def no_duplicates(pairs, what="duplicate keys in the header"):
    """A JSON object's pairs as a dict; a key twice fails with `what`."""
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        fail(f"{what}: {keys}")
    return dict(pairs)


def read(path):
    """The file's content as the JSON object this script prints."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        fail("shorter than 8 bytes")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        fail(f"header length {n} beyond the file")
    text = data[8:8 + n].decode("utf-8")
    pairs = json.loads(text, object_pairs_hook=lambda p: p)
    header = no_duplicates(pairs)
    keys = [k for k, _ in pairs]
    metadata = no_duplicates(header.pop("__metadata__", None) or [])
    if not all(isinstance(v, str) for v in metadata.values()):
        fail("metadata values must be strings")
    start = 8 + n
    body = data[start:]
    tensors = []
    for name, pairs_entry in header.items():
        entry = no_duplicates(pairs_entry)
        dtype, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        width = np.dtype(NUMPY[dtype]).itemsize
        if end - begin != count * width:
            fail(f"{name}: shape {shape} does not match offsets {begin, end}")
        array = np.frombuffer(body[begin:end], dtype=NUMPY[dtype]).reshape(shape)
        item = {"name": name, "dtype": dtype, "shape": shape,
                "data_offsets": [begin, end]}
        if dtype in ("F32", "F16", "BF16", "F64"):
            item["bits"] = " ".join(
                f"{int(b):08x}" for b in float32_bits(array, dtype).ravel())
        else:
            if dtype == "BOOL" and not np.isin(array, [0, 1]).all():
                fail(f"{name}: BOOL bytes other than 0 and 1")
            item["values"] = [int(v) for v in array.ravel()]
        tensors.append(item)
    tensors.sort(key=lambda t: tuple(t["data_offsets"]))
    covered = 0
    for t in tensors:
        if t["data_offsets"][0] != covered:
            fail(f"{t['name']}: not contiguous (expected begin {covered})")
        covered = t["data_offsets"][1]
    if covered != len(body):
        fail(f"data section is {len(body)} bytes, tensors cover {covered}")
    return {"header_length": n, "data_start": start, "metadata": metadata,
            "keys": keys, "tensors": tensors}


def main(path):
    json.dump(read(path), sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
