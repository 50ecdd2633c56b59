"""GPU check: measures decode-like work on this machine's first NVIDIA GPU and prints it beside the simulator's prediction.

The work is every linear layer of Llama-3.1-8B (32 transformer blocks' projections plus lm_head) for a batch of decode
tokens, with random weights (no model download): FP16 through cuBLAS, FP8 through torch._scaled_mm (Hopper/Ada and
newer), and 4-bit through PyTorch's int4 tinygemm kernel where this torch build has it. Energy comes from the NVML
total-energy counter, read through the driver's own library with ctypes (standard library).

    pip install torch          # the only dependency; nothing else is downloaded
    python3 scripts/gpu-check/gpu_check.py [--seconds 2] [--out results.json]

Without an NVIDIA driver and GPU it says so and exits with status 3. Method and how to read the output:
docs/calibration.md, section "GPU check".
"""
from __future__ import annotations

import argparse
import ctypes
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
NO_GPU_EXIT = 3
HIDDEN, INTERMEDIATE, LAYERS, VOCAB = 4096, 14336, 32, 128256
QKV_OUT = HIDDEN + 2 * 1024  # 32 query heads, 8 KV heads of 128
BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256]
# Distinct layers whose weights are cycled, so each pass streams from HBM rather than L2.
DISTINCT_LAYERS = 8


class Nvml:
    """The few NVML calls the check needs, through the driver's libnvidia-ml."""

    def __init__(self, library: str):
        self.lib = ctypes.CDLL(library)
        self._ok(self.lib.nvmlInit_v2(), "nvmlInit")
        count = ctypes.c_uint()
        self._ok(self.lib.nvmlDeviceGetCount_v2(ctypes.byref(count)), "nvmlDeviceGetCount")
        if count.value < 1:
            raise OSError("the NVIDIA driver reports no GPU")
        self.handle = ctypes.c_void_p()
        self._ok(self.lib.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(self.handle)), "nvmlDeviceGetHandleByIndex")

    @staticmethod
    def _ok(status: int, call: str) -> None:
        if status != 0:
            raise OSError(f"{call} failed with NVML status {status}")

    def name(self) -> str:
        buf = ctypes.create_string_buffer(96)
        self._ok(self.lib.nvmlDeviceGetName(self.handle, buf, 96), "nvmlDeviceGetName")
        return buf.value.decode()

    def energy_joules(self) -> float:
        mj = ctypes.c_ulonglong()
        self._ok(self.lib.nvmlDeviceGetTotalEnergyConsumption(self.handle, ctypes.byref(mj)), "nvmlDeviceGetTotalEnergyConsumption")
        return mj.value / 1000.0

    def driver(self) -> str:
        buf = ctypes.create_string_buffer(80)
        self._ok(self.lib.nvmlSystemGetDriverVersion(buf, 80), "nvmlSystemGetDriverVersion")
        return buf.value.decode()


def shapes():
    """(out, in) of each linear layer of one block: fused QKV, output projection, fused gate/up, down."""
    return [(QKV_OUT, HIDDEN), (HIDDEN, HIDDEN), (2 * INTERMEDIATE, HIDDEN), (HIDDEN, INTERMEDIATE)]


def build_fp16(torch, dev):
    layers = [[torch.randn(o, i, device=dev, dtype=torch.float16) * 0.02 for o, i in shapes()] for _ in range(DISTINCT_LAYERS)]

    def run(x_by_in):
        for rep in range(LAYERS):
            for w in layers[rep % DISTINCT_LAYERS]:
                torch.nn.functional.linear(x_by_in[w.shape[1]], w)
    return run, torch.float16


def build_fp8(torch, dev):
    if not hasattr(torch, "float8_e4m3fn") or not hasattr(torch, "_scaled_mm"):
        raise RuntimeError("this torch build has no FP8 matmul")
    one = torch.tensor(1.0, device=dev)
    layers = [[(torch.randn(o, i, device=dev) * 0.02).to(torch.float8_e4m3fn) for o, i in shapes()] for _ in range(DISTINCT_LAYERS)]

    def run(x_by_in):
        for rep in range(LAYERS):
            for w in layers[rep % DISTINCT_LAYERS]:
                out = torch._scaled_mm(x_by_in[w.shape[1]], w.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
                del out
    return run, torch.float8_e4m3fn


def build_int4(torch, dev):
    if not hasattr(torch, "_weight_int4pack_mm"):
        raise RuntimeError("this torch build has no int4 matmul kernel")
    group, inner_k_tiles = 128, 8

    def pack(o, i):
        q = torch.randint(0, 16, (o, i), dtype=torch.int32, device=dev)
        try:  # torch >= 2.5 takes two 4-bit values per byte
            packed = torch._convert_weight_to_int4pack((q[:, ::2] << 4 | q[:, 1::2]).to(torch.uint8), inner_k_tiles)
        except (RuntimeError, TypeError):
            packed = torch._convert_weight_to_int4pack(q, inner_k_tiles)
        scales = torch.ones(i // group, o, 2, device=dev, dtype=torch.bfloat16)
        return packed, scales

    layers = [[pack(o, i) for o, i in shapes()] for _ in range(DISTINCT_LAYERS)]
    in_dims = [i for _, i in shapes()]

    def run(x_by_in):
        for rep in range(LAYERS):
            for (packed, scales), i in zip(layers[rep % DISTINCT_LAYERS], in_dims):
                torch._weight_int4pack_mm(x_by_in[i], packed, group, scales)
    return run, torch.bfloat16


def measure(torch, nvml, run, lm_head, act_dtype, batch, seconds, dev):
    # FP8 GEMMs need the batch dimension padded to 16; the padded rows are not counted as tokens.
    rows = max(batch, 16) if act_dtype == torch.float8_e4m3fn else batch
    base = torch.float16 if act_dtype == torch.float8_e4m3fn else act_dtype
    x = {d: (torch.randn(rows, d, device=dev, dtype=base) * 0.1).to(act_dtype) for d in (HIDDEN, INTERMEDIATE)}
    x_head = torch.randn(batch, HIDDEN, device=dev, dtype=torch.float16)

    def one_pass():
        run(x)
        torch.nn.functional.linear(x_head, lm_head)  # lm_head stays 16-bit in every checkpoint

    for _ in range(3):
        one_pass()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    one_pass()
    torch.cuda.synchronize()
    passes = max(3, int(seconds / max(time.perf_counter() - t0, 1e-6)))
    e0, t0 = nvml.energy_joules(), time.perf_counter()
    for _ in range(passes):
        one_pass()
    torch.cuda.synchronize()
    elapsed, joules = time.perf_counter() - t0, nvml.energy_joules() - e0
    tokens = batch * passes
    return {"batch": batch, "tokensPerSecond": tokens / elapsed, "watts": joules / elapsed, "joulesPerToken": joules / tokens}


def fmt(measured, predicted):
    if predicted is None:
        return f"{measured:10.3g} {'—':>10} {'':>7}"
    return f"{measured:10.3g} {predicted:10.3g} {100 * (measured - predicted) / predicted:+6.0f}%"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per point (default 2)")
    parser.add_argument("--predictions", default=str(HERE / "sim-predictions.json"))
    parser.add_argument("--nvml-library", default="libnvidia-ml.so.1", help="path or name of the driver's NVML library")
    parser.add_argument("--out", help="also write the results as JSON here")
    args = parser.parse_args()

    try:
        nvml = Nvml(args.nvml_library)
    except OSError as err:
        print(f"gpu-check: no NVIDIA GPU to measure ({err}); nothing was measured.", file=sys.stderr)
        return NO_GPU_EXIT
    try:
        import torch
    except ImportError:
        print("gpu-check: PyTorch is not installed (pip install torch); nothing was measured.", file=sys.stderr)
        return NO_GPU_EXIT
    if not torch.cuda.is_available():
        print("gpu-check: the driver sees a GPU but this torch build has no CUDA; nothing was measured.", file=sys.stderr)
        return NO_GPU_EXIT

    dev = torch.device("cuda:0")
    gpu_name = nvml.name()
    predictions = json.loads(Path(args.predictions).read_text())["gpus"].get(gpu_name)
    print(f"GPU {gpu_name}, driver {nvml.driver()}, torch {torch.__version__}, {datetime.now(timezone.utc).isoformat(timespec='seconds')}")
    if predictions is None:
        print(f"(no simulator prediction for '{gpu_name}': measured figures only)")
    lm_head = torch.randn(VOCAB, HIDDEN, device=dev, dtype=torch.float16) * 0.02
    results = {"gpu": gpu_name, "driver": nvml.driver(), "torch": torch.__version__, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "modes": {}}
    print(f"{'mode':5} {'batch':>5} | {'tok/s':>10} {'sim':>10} {'Δ':>7} | {'W':>10} {'sim':>10} {'Δ':>7} | {'J/token':>10} {'sim':>10} {'Δ':>7}")
    for mode, build in (("fp16", build_fp16), ("fp8", build_fp8), ("int4", build_int4)):
        try:
            run, act_dtype = build(torch, dev)
        except (RuntimeError, TypeError, AttributeError) as err:
            print(f"{mode:5} skipped: {err}")
            results["modes"][mode] = {"skipped": str(err)}
            continue
        points = []
        for batch in BATCHES:
            try:
                m = measure(torch, nvml, run, lm_head, act_dtype, batch, args.seconds, dev)
            except (RuntimeError, TypeError) as err:
                print(f"{mode:5} {batch:5} failed: {err}")
                break
            sim = next((p for p in (predictions or {}).get("modes", {}).get(mode, []) if p["batch"] == batch), None)
            m["sim"] = sim
            points.append(m)
            print(f"{mode:5} {batch:5} | {fmt(m['tokensPerSecond'], sim and sim['tokensPerSecond'])} | {fmt(m['watts'], sim and sim['watts'])} | {fmt(m['joulesPerToken'], sim and sim['joulesPerToken'])}")
        results["modes"][mode] = points
        del run
        torch.cuda.empty_cache()
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
