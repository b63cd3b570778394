#!/usr/bin/python3
"""Byte-flip scan over the HDF5 metadata (every byte outside datasets' raw data) of a file (docs/activations.md, "Damaged files"). Needs h5py (Debian: python3-h5py).
usage: scripts/hdf5-flip-scan.py FILE COUNT SEED TIMEOUT -- CMD... ({} = the corrupted copy, {out} = a fresh output folder)"""
import h5py, os, random, shutil, subprocess, sys, tempfile, collections, signal
src, count, seed, timeout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
cmd = sys.argv[sys.argv.index("--") + 1:]
raw = []
with h5py.File(src, "r") as f:
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            off = obj.id.get_offset()
            size = obj.id.get_storage_size()
            if off is not None and size:
                raw.append((off, off + size))
            elif obj.chunks:
                for i in range(obj.id.get_num_chunks()):
                    c = obj.id.get_chunk_info(i)
                    raw.append((c.byte_offset, c.byte_offset + c.size))
    f.visititems(visit)
data = open(src, "rb").read()
inraw = bytearray(len(data))
for a, b in raw:
    for i in range(a, min(b, len(data))): inraw[i] = 1
meta = [i for i in range(len(data)) if not inraw[i]]
rng = random.Random(seed)
offsets = sorted(rng.sample(meta, min(count, len(meta))))
work = tempfile.mkdtemp(prefix="h5scan-")
counts = collections.Counter(); examples = collections.defaultdict(list)
for k, off in enumerate(offsets):
    b = bytearray(data); b[off] ^= rng.randrange(1, 256)
    path = os.path.join(work, "f.h5"); open(path, "wb").write(b)
    out = os.path.join(work, "out"); shutil.rmtree(out, ignore_errors=True)
    args = [a.replace("{out}", out).replace("{}", path) for a in cmd]
    try:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True)
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL); proc.communicate(); raise
        p = subprocess.CompletedProcess(args, proc.returncode, "", err)
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        if p.returncode < 0 or p.returncode > 128: kind = "crash"
        elif p.returncode == 0: kind = "ok"
        elif p.returncode == 1 and len(lines) == 1 and lines[0].startswith("error: " + path): kind = "one-line"
        else: kind = "other"
        detail = f"rc={p.returncode} {lines[-1][:200] if lines else ''} ({len(lines)} lines)"
    except subprocess.TimeoutExpired:
        kind = "hang"; detail = "timeout"
    counts[kind] += 1
    examples[kind].append((off, detail))
print(f"{src}: {len(data)} bytes, {len(meta)} metadata bytes, {len(offsets)} flips (seed {seed}):", dict(counts))
for kind in ("crash", "hang", "other"):
    for off, d in examples[kind][:8]: print(f"  {kind} @{off}: {d}")
for off, d in examples["one-line"][:4]: print(f"  one-line @{off}: {d}")
shutil.rmtree(work, ignore_errors=True)
