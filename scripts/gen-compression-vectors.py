#!/usr/bin/env python3
"""Generate compression test vectors with the reference C libraries.

Writes, for every payload, the raw bytes (`<name>.bin`) and that payload
compressed by the reference implementation of each Pulsar codec
(`<name>.lz4`, `<name>.zlib`, `<name>.zstd`, `<name>.snappy`), plus a
`manifest.json` with sizes, SHA-256 sums and library versions.
The unit tests read the committed files and never need Python.

Formats are the ones Pulsar's Java client reads and writes
(docs pulsar-binary-protocol.md §1.7):
  LZ4    raw LZ4 block, no frame, no size prefix (lz4.block, store_size=False)
  ZLIB   zlib stream, RFC 1950 header + Adler-32 (zlib.compress)
  ZSTD   one zstd frame (zstandard.ZstdCompressor().compress)
  SNAPPY raw Snappy block, not the framed stream (snappy.compress)

Usage (Debian: apt-get install python3-lz4 python3-snappy python3-zstandard):
  /usr/bin/python3 scripts/gen-compression-vectors.py [OUT_DIR]
  /usr/bin/python3 scripts/gen-compression-vectors.py --verify DIR
The second form decodes files written by *our* encoders
(`<name>.bin` + `<name>.<codec>`) with the reference decoders, as a
manual interoperability check of the TypeScript codecs.
"""

import hashlib
import importlib.metadata
import json
import os
import random
import sys
import zlib

import lz4
import lz4.block
import snappy
import zstandard

CODECS = {
    "lz4": (
        lambda raw: lz4.block.compress(raw, store_size=False),
        lambda data, size: lz4.block.decompress(data, uncompressed_size=size),
    ),
    "zlib": (zlib.compress, lambda data, size: zlib.decompress(data)),
    "zstd": (
        lambda raw: zstandard.ZstdCompressor().compress(raw),
        lambda data, size: zstandard.ZstdDecompressor().decompress(data, max_output_size=size),
    ),
    "snappy": (snappy.compress, lambda data, size: snappy.uncompress(data)),
}


def payloads():
    """Small, deterministic inputs covering the codecs' edge cases."""
    rng = random.Random(20240601)
    return {
        "empty": b"",
        "short-text": "hello pulsar, héllo wörld ✓".encode("utf-8"),
        "repetitive-10k": (b"pulsar-websocket-operator:" * 400)[: 10 * 1024],
        "random-4k": bytes(rng.getrandbits(8) for _ in range(4096)),
        # 21 bytes on which lz4js's compressBlock puts the last match inside the final
        # 12 bytes, which the reference LZ4 decoder rejects (LZ4 block format, "end of
        # block conditions"). Kept as a regression input for our LZ4 encoder.
        "lz4-end-of-block": b"eeceaaaeaceececacaeea",
    }


def generate(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    manifest = {
        "generator": "scripts/gen-compression-vectors.py",
        "libraries": {
            "lz4": lz4.library_version_string(),
            "zstd": ".".join(str(part) for part in zstandard.ZSTD_VERSION),
            "zlib": zlib.ZLIB_RUNTIME_VERSION,
            "python-snappy": importlib.metadata.version("python-snappy"),
            "python-zstandard": zstandard.__version__,
        },
        "payloads": {},
    }
    for name, raw in payloads().items():
        with open(os.path.join(out_dir, name + ".bin"), "wb") as f:
            f.write(raw)
        entry = {"size": len(raw), "sha256": hashlib.sha256(raw).hexdigest(), "compressed": {}}
        for codec, (compress, decompress) in CODECS.items():
            data = compress(raw)
            assert decompress(data, len(raw)) == raw, (name, codec)
            with open(os.path.join(out_dir, name + "." + codec), "wb") as f:
                f.write(data)
            entry["compressed"][codec] = len(data)
        manifest["payloads"][name] = entry
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    print("wrote", len(manifest["payloads"]), "payloads to", out_dir)


def verify(in_dir):
    failures = 0
    checked = 0
    for entry in sorted(os.listdir(in_dir)):
        name, _, codec = entry.rpartition(".")
        if codec not in CODECS:
            continue
        with open(os.path.join(in_dir, name + ".bin"), "rb") as f:
            raw = f.read()
        with open(os.path.join(in_dir, entry), "rb") as f:
            data = f.read()
        checked += 1
        try:
            ok = CODECS[codec][1](data, len(raw)) == raw
        except Exception as err:  # noqa: BLE001 - report every failure, keep going
            ok = False
            print("FAIL", entry, err)
        if not ok:
            failures += 1
    print("checked", checked, "files,", failures, "failures")
    return failures == 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--verify":
        sys.exit(0 if verify(sys.argv[2]) else 1)
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "test", "fixtures", "compression")
    generate(os.path.normpath(sys.argv[1] if len(sys.argv) > 1 else default_out))
