"""The trained span ranker behind `qa.reader.ranked.RankedReader`.

- `data`: SQuAD-format Chinese RC data (CMRC 2018 trial, DRCD via OpenCC), normalised, split by article;
- `candidates`: candidate spans of a sentence; `features`: their feature rows;
- `model`: the tree ensemble in NumPy, the confidence model, the artefact format;
- `train`: `python -m qa.reader.ranker.train` writes `qa/reader/models/ranker-v1/`.
"""
