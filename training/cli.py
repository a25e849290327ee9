"""`qa train-reader`: fine-tune multilingual-e5-small for extractive QA and write the `wenda-e5-small-qa` artefact.

    qa train-reader                       # CMRC 2018 train + DRCD, 2 epochs (hours on 2 CPU cores)
    qa train-reader --resume              # continue an interrupted run from its last checkpoint
    qa train-reader --init-from qa/reader/models/wenda-e5-small-qa --lr 5e-5 --epochs 0.5 --seed 20261202 \
        --out runs/train-reader-2 --artefact runs/train-reader-2/model   # more training for a trained reader
    qa train-reader --limit 64 --max-steps 4 --out /tmp/smoke --artefact /tmp/smoke/model   # smoke run
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from qa.settings import REPO_ROOT, get_settings
from training.loop import TrainConfig

DEFAULT_OUT = Path("runs/train-reader")


def build_parser() -> argparse.ArgumentParser:
    d = TrainConfig()
    parser = argparse.ArgumentParser(
        prog="qa train-reader", description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]),
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"work folder: features, checkpoints, report (default {DEFAULT_OUT})")
    parser.add_argument("--artefact", type=Path, default=None, help="where to write the trained reader (default: the shipped qa/reader/models/wenda-e5-small-qa)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    parser.add_argument("--init-from", type=Path, default=None, metavar="ARTEFACT",
                        help="start from a trained reader artefact instead of the base model (fresh optimiser and schedule)")
    parser.add_argument("--epochs", type=float, default=d.epochs)
    parser.add_argument("--batch-size", type=int, default=d.batch_size)
    parser.add_argument("--lr", type=float, default=d.lr)
    parser.add_argument("--max-length", type=int, default=d.max_length, help="tokens per training window")
    parser.add_argument("--stride", type=int, default=d.stride, help="tokens shared by neighbouring windows")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--max-steps", type=int, default=None, help="stop after this many optimiser steps")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N training paragraphs (quick runs)")
    parser.add_argument("--squad", action="store_true", help="also train on SQuAD v1.1 dev (English, cross-lingual)")
    parser.add_argument("--train-file", type=Path, action="append", default=None, metavar="JSON",
                        help="SQuAD-format file(s) to use instead of the default sets (split by article title the same way)")
    parser.add_argument("--no-bf16", action="store_true", help="train in fp32 even where bfloat16 is supported")
    parser.add_argument("--checkpoint-every", type=int, default=d.checkpoint_every)
    parser.add_argument("--validation-limit", type=int, default=None, help="validate on at most N questions per source")
    parser.add_argument("--data-root", type=Path, default=REPO_ROOT, help="paths of the data sets are relative to this")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--export-only", action="store_true", help="skip training: validate and export OUT/checkpoint.pt as it is")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from eval.datasets import READER_SOURCES, SQUAD_DEV, Source, by_split, load_sources
    from qa.reader.neural.model import DEFAULT_ARTEFACT, base_model_dir
    from training.instances import Features, build_instances, featurize
    from training.loop import train

    progress = not args.quiet
    if args.init_from is not None:  # a bad artefact fails now, not after the data is read
        from qa.reader.neural.model import ReaderModelError, read_manifest

        try:
            read_manifest(args.init_from)
        except ReaderModelError as exc:
            print(f"error: --init-from: {exc}", file=sys.stderr)
            return 2
    config = TrainConfig(
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, max_length=args.max_length, stride=args.stride,
        seed=args.seed, bf16=not args.no_bf16, checkpoint_every=args.checkpoint_every, max_steps=args.max_steps,
    )
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    base_dir = base_model_dir(settings.model_cache_dir)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(base_dir), local_files_only=True)
    sources = [*READER_SOURCES, *([SQUAD_DEV] if args.squad else [])]
    if args.train_file:
        sources = [Source(f.stem, str(f.resolve())) for f in args.train_file]
    t0 = time.perf_counter()
    paragraphs, stats = load_sources(args.data_root, sources)
    train_paras = by_split(paragraphs, "train")
    if args.limit:
        train_paras = train_paras[: args.limit]
    val_paras = by_split(paragraphs, "validation")
    data_key = {"sources": [s.name for s in sources], "limit": args.limit, "max_length": config.max_length,
                "stride": config.stride, "seed": config.seed}
    feat_path, key_path = out / "features.npz", out / "features.json"
    if args.resume and feat_path.is_file() and key_path.is_file() and json.loads(key_path.read_text()) == data_key:
        features = Features.load(feat_path)
    else:
        instances = build_instances(train_paras)
        features = featurize(tokenizer, instances, config.max_length, config.stride, config.seed, progress=progress)
        features.save(feat_path)
        key_path.write_text(json.dumps(data_key) + "\n")
    data_seconds = time.perf_counter() - t0
    kinds = {str(k): int((features.kind == k).sum()) for k in sorted(set(features.kind.tolist()))}
    if progress:
        print(
            f"data: {len(train_paras)} training paragraphs, {sum(len(p.questions) for p in train_paras)} questions, "
            f"{len(features)} windows ({', '.join(f'{k} {v}' for k, v in kinds.items())}); "
            f"validation {len(val_paras)} paragraphs; {data_seconds:.0f} s", flush=True,
        )
    model, initial = _initial_model(args.init_from, base_dir, settings.model_cache_dir)
    import torch

    torch.manual_seed(config.seed)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    if args.export_only:
        from training.loop import CHECKPOINT, load_checkpoint_weights

        state = load_checkpoint_weights(model, out / CHECKPOINT)
        per_epoch = -(-len(features) // config.batch_size)
        summary = {"steps": state["step"], "epochs": round(state["step"] / per_epoch, 3), "windows": len(features),
                   "seconds": round(state["seconds"], 1), "final_loss": sum(state["losses"][-50:]) / max(1, len(state["losses"][-50:])),
                   "loss_curve": [sum(state["losses"][i : i + 50]) / len(state["losses"][i : i + 50]) for i in range(0, len(state["losses"]), 50)],
                   "stopped_early": state["step"] < config.total_steps(len(features))}
    else:
        origin = None if args.init_from is None else str(args.init_from)
        summary = train(model, features, config, out, resume=args.resume, pad_id=tokenizer.pad_token_id or 1,
                        progress=progress, origin=origin)
    if initial is not None:
        summary["initialised_from"] = initial
    from training.report import finish

    finish(
        model=model, tokenizer=tokenizer, config=config, summary=summary, stats=stats, kinds=kinds, out=out,
        artefact=args.artefact or DEFAULT_ARTEFACT, val_paras=val_paras, base_dir=base_dir,
        validation_limit=args.validation_limit, progress=progress,
        machine=_machine(),
    )
    return 0


def _initial_model(init_from: Path | None, base_dir: Path, cache_dir: Path) -> tuple[Any, dict[str, Any] | None]:
    """The model training starts from: the base model, or a trained artefact (with a summary of how it was made)."""
    from qa.reader.neural.model import load_artefact, new_qa_model

    if init_from is None:
        return new_qa_model(base_dir), None
    loaded = load_artefact(init_from, cache_dir)
    made = loaded.manifest.get("training", {})
    earlier = made.get("initialised_from", {})
    initial = {
        "artefact": str(init_from), "created_at": loaded.manifest.get("created_at"),
        "hyperparameters": loaded.manifest.get("hyperparameters"),
        "steps": made.get("steps"), "seconds": made.get("seconds"),
        "steps_in_all": (made.get("steps") or 0) + (earlier.get("steps_in_all") or 0),
        "seconds_in_all": round((made.get("seconds") or 0.0) + (earlier.get("seconds_in_all") or 0.0), 1),
        "validation_f1": loaded.manifest.get("validation", {}).get("paragraph_given", {}).get("all", {}).get("f1"),
    }
    return loaded.model, initial


def _machine() -> dict[str, Any]:
    import os

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    return {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__, "python": platform.python_version(),
            "accelerator": "none (CPU)"}


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `train-reader` to the `qa` CLI (its own options; see --help)."""
    parser = subparsers.add_parser("train-reader", add_help=False, help="fine-tune the transformer reader (hours on a CPU)")
    parser.set_defaults(func=lambda _args: main([]))


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["TrainConfig", "asdict", "build_parser", "main", "register"]
