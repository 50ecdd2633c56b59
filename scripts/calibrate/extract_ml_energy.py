"""Extracts the ML.ENERGY Leaderboard v3 rows the simulator is calibrated against into data/ml-energy/.

Usage: python3 scripts/calibrate/extract_ml_energy.py <leaderboard checkout>/public/data/models
(standard library only). Keeps only the fields the calibration uses; see data/ml-energy/README.md for source and licence.
"""
import json
import sys
from pathlib import Path

SOURCES = {
    "llama-3.1-8b-instruct-bf16": "meta-llama__Llama-3.1-8B-Instruct__lm-arena-chat.json",
    "qwen3-235b-a22b-instruct-bf16": "Qwen__Qwen3-235B-A22B-Instruct-2507__lm-arena-chat.json",
    "qwen3-235b-a22b-instruct-fp8": "Qwen__Qwen3-235B-A22B-Instruct-2507-FP8__lm-arena-chat.json",
    "llama-3.1-405b-instruct-bf16": "meta-llama__Llama-3.1-405B-Instruct__lm-arena-chat.json",
    "llama-3.1-405b-instruct-fp8": "meta-llama__Llama-3.1-405B-Instruct-FP8__lm-arena-chat.json",
}
# Only the 8B rows carry their output-length histogram: the simulator replays that workload.
WITH_HISTOGRAM = {"llama-3.1-8b-instruct-bf16"}


def row(config, histogram):
    out = {
        "gpu": config["gpu_model"],
        "numGpus": config["num_gpus"],
        "tensorParallel": config["parallelization"]["tensor_parallel"],
        "expertParallel": config["parallelization"]["expert_parallel"],
        "maxNumSeqs": config["max_num_seqs"],
        "avgBatchSize": round(config["avg_batch_size"], 2),
        "avgOutputTokens": round(config["avg_output_len"], 1),
        "outputTokensPerSecond": round(config["output_throughput_tokens_per_sec"], 1),
        "averagePowerWatts": round(config["avg_power_watts"], 1),
        "joulesPerOutputToken": round(config["energy_per_token_joules"], 5),
        "medianItlMs": round(config["median_itl_ms"], 2),
    }
    if histogram:
        dist = config["output_length_distribution"]
        out["outputLengthHistogram"] = {"binEdges": [round(b, 2) for b in dist["bins"]], "counts": dist["counts"]}
    return out


def main():
    models_dir = Path(sys.argv[1])
    for name, file in SOURCES.items():
        data = json.loads((models_dir / file).read_text())
        rows = [row(c, name in WITH_HISTOGRAM) for c in data["configurations"]]
        rows.sort(key=lambda r: (r["gpu"], r["numGpus"], r["maxNumSeqs"]))
        payload = {
            "model": data["model_id"],
            "weightPrecision": data["weight_precision"],
            "task": data["task"],
            "source": f"ml-energy/leaderboard public/data/models/{file}",
            "rows": rows,
        }
        target = Path("data/ml-energy") / f"{name}.json"
        target.write_text(json.dumps(payload, indent=1) + "\n")
        print(f"wrote {target} ({len(rows)} rows)")


if __name__ == "__main__":
    main()
