#!/usr/bin/env python3
"""Writes written-by-h5py.h5, the fixture HDF5Tests reads to check interoperability with h5py.

Run once from this folder (python3 make_h5py_fixture.py, h5py 3.x); the output is committed so the tests
never need h5py. Every value is simple enough to be checked by hand in the Swift test.
"""
import h5py
import numpy as np

with h5py.File("written-by-h5py.h5", "w") as f:
    # float32 2-D, chunked and gzip-compressed: value[i, j] = i * 10 + j / 4
    matrix = np.array([[i * 10 + j / 4 for j in range(6)] for i in range(5)], dtype=np.float32)
    f.create_dataset("matrix", data=matrix, chunks=(2, 3), compression="gzip", compression_opts=4, shuffle=True)
    # int64 1-D: 2**40 + i, beyond the range of 32 bits
    f.create_dataset("counts", data=np.array([2**40 + i for i in range(7)], dtype=np.int64))
    # variable-length UTF-8 strings (h5py's str)
    f.create_dataset("languages", data=["English", "Ελληνικά", "中文", "हिन्दी"], dtype=h5py.string_dtype("utf-8"))
    # fixed-length bytes, dtype S10 (np.bytes_), NULL-padded
    f.create_dataset("codes", data=np.array([b"eng_Latn", b"ell_Grek", b"zho_Hans"], dtype="S10"))
    # a dataset with a null dataspace (no shape at all)
    f.create_dataset("empty", data=h5py.Empty("f4"))
    # nested groups and a dataset inside them
    inner = f.create_group("outer/inner")
    inner.create_dataset("ones", data=np.ones((2, 2), dtype=np.float64))
    # scalar and array attributes of int, float, vlen str and fixed-length str
    f.attrs["format_version"] = np.int64(3)
    f.attrs["temperature"] = np.float64(0.5)
    f.attrs["model"] = "SmolLM2-135M"  # h5py stores str as variable-length UTF-8
    f.attrs["fixed"] = np.bytes_(b"fixed-len")  # fixed-length string scalar
    f.attrs["layers"] = np.array([0, 15, 30], dtype=np.int32)
    f.attrs["weights"] = np.array([0.25, 0.5], dtype=np.float32)
    f.attrs["names"] = np.array(["α", "β"], dtype=h5py.string_dtype("utf-8"))
    f.attrs["fixed_names"] = np.array([b"ab", b"cde"], dtype="S3")
    f["matrix"].attrs["units"] = "nats"
    inner.attrs["depth"] = np.int16(2)
