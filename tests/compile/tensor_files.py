"""Float32 tensors for the compile tests, as `cnnc run` (.npy) and the
compiled programs (raw .f32) read and write them.

  tensor_files.py write PREFIX D0 D1 ...   PREFIX.npy and PREFIX.f32 of that shape,
                                           deterministic values in [0, 1)
  tensor_files.py same JIT.npy AOT.f32 [BYTES]
                                           exit 1 unless the raw file holds exactly
                                           the .npy's values (and BYTES bytes)
"""
import struct
import sys


def write(prefix, dims):
    count = 1
    for d in dims:
        count *= d
    values = struct.pack("<%df" % count,
                         *[((i * 2654435761 + 5) % 997) / 997.0 for i in range(count)])
    shape = ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "")
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % shape
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(prefix + ".npy", "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(values)
    with open(prefix + ".f32", "wb") as f:
        f.write(values)


def same(npy_path, raw_path, expected_bytes=None):
    npy = open(npy_path, "rb").read()
    jit = npy[10 + struct.unpack("<H", npy[8:10])[0]:]
    aot = open(raw_path, "rb").read()
    if aot == jit and (expected_bytes is None or len(aot) == expected_bytes):
        return
    sys.exit("compiled output differs from cnnc run: %r vs %r" % (
        struct.unpack("<%df" % (len(aot) // 4), aot)[:10],
        struct.unpack("<%df" % (len(jit) // 4), jit)[:10]))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], [int(d) for d in sys.argv[3:]])
    else:
        same(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else None)
