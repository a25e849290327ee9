"""The trained span ranker as plain arrays: a boosted tree ensemble evaluated in NumPy, a confidence model, and
the artefact format (`model.npz` + `manifest.json` in one versioned directory).

No training library is needed at run time: LightGBM (training only) is converted into flat node arrays.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1
ARTEFACT_NAME = "ranker-v1"
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "models" / ARTEFACT_NAME
CASCADE_TREES = 60
"""The first trees score every candidate; the rest only the best `CASCADE_KEEP` (an additive model's prefix)."""
CASCADE_KEEP = 120


RULE_READER_FILES = ("question.py", "evidence.py", "spans.py", "rules.py")
"""The ranker's features include the rule reader's answer and typed spans: their code is fingerprinted."""


def rule_reader_fingerprint() -> str:
    """sha1 over the rule reader's source files (a change means retraining may help)."""
    import hashlib

    digest = hashlib.sha1()
    base = Path(__file__).resolve().parent.parent
    for name in RULE_READER_FILES:
        path = base / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()


class ArtefactError(RuntimeError):
    """The ranker artefact is missing, unreadable, or was built for other features."""


@dataclass
class TreeEnsemble:
    """Regression trees in flat arrays; a leaf has left == right == itself."""

    feature: np.ndarray  # int32 [nodes]
    threshold: np.ndarray  # float64 [nodes]
    left: np.ndarray  # int32 [nodes]
    right: np.ndarray  # int32 [nodes]
    value: np.ndarray  # float64 [nodes] (leaf values; 0 for inner nodes)
    default_left: np.ndarray  # bool [nodes] (where NaN goes)
    roots: np.ndarray  # int32 [trees]
    depth: int

    @property
    def n_trees(self) -> int:
        return len(self.roots)

    def predict(self, X: np.ndarray, trees: slice | None = None) -> np.ndarray:
        """Sum of the leaf values of `trees` (default all) for each row of X (NaN goes the default way)."""
        roots = self.roots if trees is None else self.roots[trees]
        if len(X) == 0 or len(roots) == 0:
            return np.zeros(len(X))
        X = np.ascontiguousarray(X, dtype=np.float32)
        flat = X.ravel()
        base = (np.arange(len(X), dtype=np.int64) * X.shape[1])[:, None]
        children = self._children()
        node = np.broadcast_to(roots[None, :], (len(X), len(roots))).copy()
        has_nan = bool(np.isnan(flat).any())
        for level in range(self.depth):
            x = flat[base + self.feature[node]]
            right = ~(x <= self.threshold[node])
            if has_nan:
                right &= ~(np.isnan(x) & self.default_left[node])
            node = children[2 * node + right]
            if level >= 6 and level % 3 == 0 and not self._inner[node].any():
                break
        return self.value[node].sum(axis=1)

    def _children(self) -> np.ndarray:
        if getattr(self, "_child_cache", None) is None:
            kids = np.empty(2 * len(self.left), dtype=np.int32)
            kids[0::2] = self.left
            kids[1::2] = self.right
            self._child_cache = kids
            self._inner_cache = self.left != np.arange(len(self.left))
        return self._child_cache

    @property
    def _inner(self) -> np.ndarray:
        self._children()
        return self._inner_cache

    def score(self, X: np.ndarray, keep: int = CASCADE_KEEP, first: int = CASCADE_TREES) -> np.ndarray:
        """Scores with a cascade: all trees for the `keep` best rows by the first `first` trees; the rest get
        their partial score minus a margin, so they rank below every fully scored row."""
        if len(X) <= keep or self.n_trees <= first:
            return self.predict(X)
        partial = self.predict(X, slice(0, first))
        best = np.argsort(-partial, kind="stable")[:keep]
        full = partial.copy()
        full[best] += self.predict(X[best], slice(first, None))
        rest = np.ones(len(X), dtype=bool)
        rest[best] = False
        floor = full[best].min()
        full[rest] = np.minimum(full[rest], floor) - 1.0
        return full

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "tree_feature": self.feature, "tree_threshold": self.threshold, "tree_left": self.left,
            "tree_right": self.right, "tree_value": self.value, "tree_default_left": self.default_left,
            "tree_roots": self.roots, "tree_depth": np.array([self.depth], dtype=np.int32),
        }

    @classmethod
    def from_arrays(cls, a: Any) -> TreeEnsemble:
        return cls(
            a["tree_feature"].astype(np.int32), a["tree_threshold"].astype(np.float64), a["tree_left"].astype(np.int32),
            a["tree_right"].astype(np.int32), a["tree_value"].astype(np.float64), a["tree_default_left"].astype(bool),
            a["tree_roots"].astype(np.int32), int(a["tree_depth"][0]),
        )

    @classmethod
    def from_lightgbm(cls, dump: dict[str, Any]) -> TreeEnsemble:
        """Flatten `Booster.dump_model()` (numerical `<=` splits only)."""
        feature: list[int] = []
        threshold: list[float] = []
        left: list[int] = []
        right: list[int] = []
        value: list[float] = []
        default_left: list[bool] = []
        roots: list[int] = []
        max_depth = 0

        def add(node: dict[str, Any], depth: int) -> int:
            nonlocal max_depth
            idx = len(feature)
            feature.append(0)
            threshold.append(0.0)
            left.append(idx)
            right.append(idx)
            value.append(0.0)
            default_left.append(True)
            if "leaf_value" in node and "split_feature" not in node:
                value[idx] = float(node["leaf_value"])
                max_depth = max(max_depth, depth)
                return idx
            if node.get("decision_type", "<=") != "<=":
                raise ArtefactError(f"unsupported split {node.get('decision_type')!r}")
            feature[idx] = int(node["split_feature"])
            threshold[idx] = float(node["threshold"])
            default_left[idx] = bool(node.get("default_left", True))
            left[idx] = add(node["left_child"], depth + 1)
            right[idx] = add(node["right_child"], depth + 1)
            return idx

        for tree in dump["tree_info"]:
            roots.append(add(tree["tree_structure"], 0))
        return cls(
            np.array(feature, np.int32), np.array(threshold, np.float64), np.array(left, np.int32),
            np.array(right, np.int32), np.array(value, np.float64), np.array(default_left, bool),
            np.array(roots, np.int32), max_depth,
        )


CONFIDENCE_FEATURES = ["top_score", "margin", "top_prob", "coverage", "exact_kw", "qchar_frac", "rule_overlap",
                       "rule_score", "log_len", "bias"]


@dataclass
class Confidence:
    """Logistic model of the expected F1 of the top candidate (0 on a passage without the answer), from the
    ranking scores, the evidence and the agreement with the rule reader."""

    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    @staticmethod
    def inputs(scores: np.ndarray, top_row: np.ndarray, feature_index: dict[str, int]) -> np.ndarray:
        order = np.sort(scores)[::-1]
        top = float(order[0])
        second = float(order[1]) if len(order) > 1 else top - 5.0
        z = scores - top
        prob = 1.0 / float(np.exp(z).sum())
        return np.array([
            top, min(top - second, 5.0), prob,
            float(top_row[feature_index["s_coverage"]]), float(top_row[feature_index["s_exact_kw"]]),
            float(top_row[feature_index["m_qchar_frac"]]), float(top_row[feature_index["r_overlap"]]),
            float(top_row[feature_index["r_score"]]), float(top_row[feature_index["c_log_len"]]), 1.0,
        ])

    def __call__(self, x: np.ndarray) -> float:
        z = (x - self.mean) / self.scale
        t = float(z @ self.weights)
        return 1.0 / (1.0 + math.exp(-max(min(t, 30.0), -30.0)))

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, l2: float = 1.0) -> Confidence:
        """L2-regularised logistic regression (Newton steps; deterministic)."""
        mean = X.mean(axis=0)
        scale = X.std(axis=0)
        mean[-1], scale[-1] = 0.0, 1.0
        scale[scale == 0] = 1.0
        Z = (X - mean) / scale
        w = np.zeros(Z.shape[1])
        reg = np.full(Z.shape[1], l2)
        reg[-1] = 0.0
        for _ in range(50):
            p = 1.0 / (1.0 + np.exp(-np.clip(Z @ w, -30, 30)))
            grad = Z.T @ (p - y) + reg * w
            hess = (Z * (p * (1 - p))[:, None]).T @ Z + np.diag(reg + 1e-9)
            step = np.linalg.solve(hess, grad)
            w -= step
            if np.abs(step).max() < 1e-8:
                break
        return cls(w, mean, scale)


@dataclass
class RankerModel:
    """Everything the reader needs: the feature list it was trained on, the trees, the confidence model."""

    feature_names: list[str]
    ensemble: TreeEnsemble
    confidence: Confidence
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def threshold(self) -> float:
        return float(self.manifest.get("calibration", {}).get("threshold", 0.0))

    @property
    def evidence_gate(self) -> float | None:
        gate = self.manifest.get("calibration", {}).get("evidence_gate")
        return float(gate) if gate is not None else None

    def save(self, directory: Path) -> Path:
        """Write `model.npz` and `manifest.json` into `directory` atomically (a sibling temp dir, then rename)."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = directory.with_name(f".{directory.name}.{uuid.uuid4().hex[:8]}")
        tmp.mkdir()
        arrays = self.ensemble.arrays()
        arrays.update(conf_weights=self.confidence.weights, conf_mean=self.confidence.mean, conf_scale=self.confidence.scale)
        np.savez_compressed(tmp / "model.npz", **arrays)
        manifest = dict(self.manifest)
        manifest["format_version"] = FORMAT_VERSION
        manifest["features"] = list(self.feature_names)
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if directory.exists():
            old = directory.with_name(f".{directory.name}.old.{uuid.uuid4().hex[:8]}")
            os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, directory)
        return directory

    @classmethod
    def load(cls, directory: Path | None = None, expected_features: list[str] | None = None) -> RankerModel:
        directory = Path(directory) if directory is not None else DEFAULT_DIR
        try:
            manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            with np.load(directory / "model.npz") as a:
                ensemble = TreeEnsemble.from_arrays(a)
                confidence = Confidence(a["conf_weights"], a["conf_mean"], a["conf_scale"])
        except (OSError, ValueError, KeyError) as exc:
            raise ArtefactError(
                f"cannot load the trained reader from {directory} ({exc}); train it with: python -m qa.reader.ranker.train"
            ) from exc
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ArtefactError(f"{directory}: format {manifest.get('format_version')} is not {FORMAT_VERSION}; retrain")
        names = list(manifest.get("features", []))
        if expected_features is not None and names != list(expected_features):
            raise ArtefactError(f"{directory} was trained on other features; retrain: python -m qa.reader.ranker.train")
        return cls(names, ensemble, confidence, manifest)
