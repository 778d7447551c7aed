"""Shrink a trained reader's LoRA adapters to a lower rank by truncated SVD (smaller shipped weights).

Each adapted layer's update is ``ΔW = s · B · A`` with peft's scale ``s = alpha / r``. The best
rank-``k`` approximation of ``B · A`` (Eckart–Young) is ``U_k S_k V_kᵀ``; it is stored as
``B' = U_k √S_k`` and ``A' = √S_k V_kᵀ`` with ``alpha = s · k``, so the scale stays ``s`` (2 here:
``train.py --rank`` sets alpha to twice the rank, and can grow the result again). It is an
ordinary peft LoRA adapter of rank ``k`` that loads like any other; the span head is copied
unchanged. peft's ``add_weighted_adapter(..., combination_type="svd")`` computes the same
factors, but inside a loaded model with the base weights and under a second adapter name; this
works on the adapter file alone, in a second.

    python -m rag.reader.shrink rag/reader/weights /tmp/r32 --rank 32

Prints the share of each update's energy (squared Frobenius norm) the kept rank holds. Measure
the result (bench/reader.py, bench/answers.py) before shipping it: the record says so.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np

from rag.reader.model import HEAD_FILE, SETTINGS_FILE

__all__ = ["shrink_adapter"]

_ADAPTER = "adapter_model.safetensors"
_CONFIG = "adapter_config.json"


def shrink_adapter(src: Path, dst: Path, rank: int) -> dict:
    """Write ``src``'s reader with its adapters truncated to ``rank`` (same scale) into ``dst``; return a summary
    (energy kept: mean and worst layer; sha256 of the new files)."""
    import torch
    from safetensors.torch import load_file, save_file

    src, dst = Path(src), Path(dst)
    cfg = json.loads((src / _CONFIG).read_text())
    if cfg.get("alpha_pattern") or cfg.get("rank_pattern") or cfg.get("use_rslora") or cfg.get("use_dora"):
        raise ValueError(f"{src}: only plain LoRA adapters (one rank and alpha for every layer) can be shrunk")
    r, alpha = int(cfg["r"]), cfg["lora_alpha"]
    if not 0 < rank < r:
        raise ValueError(f"--rank {rank} must be between 1 and the adapter's rank {r} (exclusive)")
    weights = load_file(str(src / _ADAPTER))
    out, kept = {}, []
    for name in sorted(k for k in weights if ".lora_A." in k):
        b_name = name.replace(".lora_A.", ".lora_B.")
        a, b = weights[name].double(), weights[b_name].double()
        u, s, vh = torch.linalg.svd(b @ a, full_matrices=False)  # the scale stays outside
        kept.append(float((s[:rank] ** 2).sum() / (s**2).sum().clamp(min=1e-30)))
        root = s[:rank].sqrt()
        out[name] = (root[:, None] * vh[:rank]).to(weights[name].dtype).contiguous()
        out[b_name] = (u[:, :rank] * root[None, :]).to(weights[b_name].dtype).contiguous()
    dst.mkdir(parents=True, exist_ok=True)
    save_file(out, str(dst / _ADAPTER))
    shutil.copy2(src / HEAD_FILE, dst / HEAD_FILE)
    new_alpha = alpha * rank / r
    new_alpha = int(new_alpha) if float(new_alpha).is_integer() else new_alpha
    cfg.update(r=rank, lora_alpha=new_alpha)
    (dst / _CONFIG).write_text(json.dumps(cfg, indent=2, sort_keys=True))
    settings = json.loads((src / SETTINGS_FILE).read_text())
    settings.update(lora_r=rank, lora_alpha=new_alpha)
    (dst / SETTINGS_FILE).write_text(json.dumps(settings, indent=2))
    return {"rank_from": r, "rank_to": rank, "layers": len(kept),
            "energy_kept_mean": round(float(np.mean(kept)), 4), "energy_kept_min": round(float(np.min(kept)), 4),
            "bytes": (dst / _ADAPTER).stat().st_size,
            "sha256": {p: hashlib.sha256((dst / p).read_bytes()).hexdigest() for p in (_ADAPTER, HEAD_FILE)}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path, help="a trained reader folder (rag/reader/weights)")
    ap.add_argument("dst", type=Path, help="where the shrunk reader goes (a new folder)")
    ap.add_argument("--rank", type=int, required=True)
    args = ap.parse_args()
    if args.dst.resolve() == args.src.resolve():
        raise SystemExit("dst must differ from src: measure the shrunk reader before replacing the shipped one")
    print(json.dumps(shrink_adapter(args.src, args.dst, args.rank), indent=2))


if __name__ == "__main__":
    main()
