#!/usr/bin/env python3
"""Builds a random checkpoint with m-LLaMA-7B's exact shapes and layout, traces a few sentences with
`interlingua trace`, and reports peak RSS and tokens/s. Not part of the test suite (≈ 27 GB on disk).

Layout as m-LLaMA (Zhu et al. 2023) was released: a Hugging Face folder with `config.json`, three
`pytorch_model-0000K-of-00003.bin` shards (torch.save zip format, float32 storages, 64-byte aligned
records, ZIP64 where needed) and `pytorch_model.bin.index.json`; 32 layers, d 4096, FFN 11008, 32 heads,
vocab 32001 (LLaMA's 32000 + `<pad>`), LLaMA-1-era `rotary_emb.inv_freq` buffers included.
torch is not needed: the pickle is written with the standard library, naming torch's globals through
stand-in modules (`torch._utils._rebuild_tensor_v2`, `torch.FloatStorage`), exactly the opcodes torch.save emits.
The tokenizer is the tiny-mllama fixture's SentencePiece model (its ids fit the 32001-row embedding).

usage: scripts/mllama-7b-shape.py [--dir /tmp/mllama-7b-shape] [--keep] [--sentences 8] [--reuse]
"""
import argparse, collections, json, os, pickle, shutil, subprocess, sys, time, types, zipfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS, D, FFN, VOCAB, HEADS = 32, 4096, 11008, 32001, 32


def tensor_list():
    """(name, shape) in the order the released shards hold them."""
    out = [("model.embed_tokens.weight", (VOCAB, D))]
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        out += [(p + "self_attn.q_proj.weight", (D, D)), (p + "self_attn.k_proj.weight", (D, D)),
                (p + "self_attn.v_proj.weight", (D, D)), (p + "self_attn.o_proj.weight", (D, D)),
                (p + "mlp.gate_proj.weight", (FFN, D)), (p + "mlp.down_proj.weight", (D, FFN)),
                (p + "mlp.up_proj.weight", (FFN, D)), (p + "input_layernorm.weight", (D,)),
                (p + "post_attention_layernorm.weight", (D,)), (p + "self_attn.rotary_emb.inv_freq", (D // HEADS // 2,))]
    out += [("model.norm.weight", (D,)), ("lm_head.weight", (VOCAB, D))]
    return out


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


# Stand-ins so that pickle writes GLOBAL 'torch._utils _rebuild_tensor_v2' and 'torch FloatStorage'.
torch_mod = types.ModuleType("torch")
utils_mod = types.ModuleType("torch._utils")


class FloatStorage:
    pass


FloatStorage.__module__ = "torch"
torch_mod.FloatStorage = FloatStorage


def _rebuild_tensor_v2(*args):
    raise RuntimeError("stand-in")


_rebuild_tensor_v2.__module__ = "torch._utils"
utils_mod._rebuild_tensor_v2 = _rebuild_tensor_v2
torch_mod._utils = utils_mod
sys.modules.setdefault("torch", torch_mod)
sys.modules.setdefault("torch._utils", utils_mod)


class StorageRef:
    def __init__(self, key, count):
        self.key, self.count = key, count


class TensorRef:
    def __init__(self, storage, shape):
        self.storage, self.shape = storage, shape

    def __reduce__(self):
        stride = tuple(numel(self.shape[i + 1:]) for i in range(len(self.shape)))
        return (_rebuild_tensor_v2, (self.storage, 0, tuple(self.shape), stride, False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, StorageRef):
            return ("storage", FloatStorage, obj.key, "cpu", obj.count)
        return None


def aligned_info(zf, name, size):
    """A ZipInfo whose data starts on a 64-byte boundary (torch pads with an 'FB' extra field)."""
    info = zipfile.ZipInfo(name, date_time=(2023, 5, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = size
    zip64 = size * 1.05 > zipfile.ZIP64_LIMIT
    offset = zf.fp.tell()
    base = offset + 30 + len(name.encode()) + (20 if zip64 else 0) + 4
    pad = (-base) % 64
    info.extra = b"FB" + pad.to_bytes(2, "little") + b"\0" * pad
    return info


def write_shard(path, archive, tensors, rng):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        refs = {}
        for key, (name, shape) in enumerate(tensors):
            refs[name] = TensorRef(StorageRef(str(key), numel(shape)), shape)
        import io
        buf = io.BytesIO()
        TorchPickler(buf, protocol=2).dump(refs)
        zf.writestr(aligned_info(zf, f"{archive}/data.pkl", len(buf.getvalue())), buf.getvalue())
        zf.writestr(aligned_info(zf, f"{archive}/.format_version", 1), b"1")
        zf.writestr(aligned_info(zf, f"{archive}/.storage_alignment", 2), b"64")
        zf.writestr(aligned_info(zf, f"{archive}/byteorder", 6), b"little")
        for key, (name, shape) in enumerate(tensors):
            n = numel(shape)
            with zf.open(aligned_info(zf, f"{archive}/data/{key}", 4 * n), "w") as out:
                if name.endswith("inv_freq"):
                    half = np.arange(0, D // HEADS, 2, dtype=np.float64) / (D // HEADS)
                    out.write((1.0 / 10000.0 ** half).astype("<f4").tobytes())
                elif len(shape) == 1:
                    out.write((1 + 0.1 * rng.standard_normal(n, dtype=np.float32)).astype("<f4").tobytes())
                else:
                    step = 1 << 24
                    for start in range(0, n, step):
                        m = min(step, n - start)
                        out.write((0.02 * rng.standard_normal(m, dtype=np.float32)).astype("<f4").tobytes())
        zf.writestr(aligned_info(zf, f"{archive}/version", 2), b"3\n")


def build(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(7)
    tensors = tensor_list()
    # Three shards as released: split at whole layers, ≈ 9 GB each.
    total = sum(4 * numel(s) for _, s in tensors)
    shards, current, size = [], [], 0
    for t in tensors:
        current.append(t)
        size += 4 * numel(t[1])
        if len(shards) < 2 and size >= total / 3 and t[0].endswith("inv_freq"):
            shards.append(current)
            current, size = [], 0
    shards.append(current)
    weight_map = {}
    for k, shard in enumerate(shards, 1):
        fname = f"pytorch_model-{k:05d}-of-{len(shards):05d}.bin"
        t0 = time.time()
        write_shard(os.path.join(folder, fname), fname[:-4], shard, rng)
        print(f"  wrote {fname} ({os.path.getsize(os.path.join(folder, fname)) / 1e9:.2f} GB, {time.time() - t0:.0f} s)", flush=True)
        for name, _ in shard:
            weight_map[name] = fname
    with open(os.path.join(folder, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": VOCAB,
              "hidden_size": D, "intermediate_size": FFN, "num_hidden_layers": LAYERS,
              "num_attention_heads": HEADS, "hidden_act": "silu", "max_position_embeddings": 2048,
              "initializer_range": 0.02, "rms_norm_eps": 1e-6, "pad_token_id": 32000, "bos_token_id": 1,
              "eos_token_id": 2, "tie_word_embeddings": False, "torch_dtype": "float32"}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    fixture = os.path.join(ROOT, "Tests", "Fixtures", "tiny-mllama")
    for name in ["tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"]:
        shutil.copy(os.path.join(fixture, name), folder)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/tmp/mllama-7b-shape")
    ap.add_argument("--keep", action="store_true", help="keep the checkpoint afterwards")
    ap.add_argument("--reuse", action="store_true", help="reuse a checkpoint already built in --dir")
    ap.add_argument("--sentences", type=int, default=8)
    args = ap.parse_args()

    if not (args.reuse and os.path.exists(os.path.join(args.dir, "config.json"))):
        free = shutil.disk_usage(os.path.dirname(os.path.abspath(args.dir)) or "/").free
        if free < 30e9:
            sys.exit(f"error: {free / 1e9:.1f} GB free next to {args.dir}; the checkpoint needs ≈ 27 GB (+ margin)")
        print(f"building the m-LLaMA-7B-shaped checkpoint in {args.dir} …", flush=True)
        build(args.dir)

    corpus = os.path.join(ROOT, "notebooks-data", "django-ui-12lang.tsv")
    if not os.path.exists(corpus):
        corpus = "/work/shared/data/django-ui-12lang.tsv"
    binary = os.path.join(ROOT, ".build", "release", "interlingua")
    subprocess.run(["swift", "build", "-c", "release", "--product", "interlingua"], cwd=ROOT, check=True)
    out = os.path.join(args.dir, "trace.h5")
    stats = os.path.join(args.dir, "trace-stats.json")
    for p in [out, out + ".progress", stats]:
        if os.path.exists(p):
            os.remove(p)
    cmd = [binary, "trace", args.dir, corpus, "--output", out, "--languages", "en,de",
           "--limit", str(args.sentences), "--stats", stats]
    print("$ " + " ".join(cmd), flush=True)
    t0 = time.time()
    subprocess.run(cmd, check=True)
    wall = time.time() - t0
    with open(stats) as f:
        s = json.load(f)
    print(f"m-LLaMA-7B shape: {s['sentences']} sentences, {s['tokens']} tokens, "
          f"{s['tokens_per_s']:.1f} tokens/s (compute), load {s['load_s']:.1f} s, total {wall:.1f} s, "
          f"peak RSS {s['peak_rss_bytes'] / 2**30:.2f} GiB (of which anonymous, i.e. not the memory-mapped "
          f"checkpoint: {s.get('peak_anon_rss_bytes', 0) / 2**30:.2f} GiB), {s['gflops']:.1f} GFLOP/s overall, "
          f"block matmuls {s.get('block_matmul_gflops', 0):.1f} GFLOP/s")
    if not args.keep:
        shutil.rmtree(args.dir)


if __name__ == "__main__":
    main()
