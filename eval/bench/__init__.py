"""`qa bench` / `python -m eval.bench`: how fast 问答 builds and answers, from the seed corpus to 1M chunks.

- `corpus`: reproducible synthetic corpora recombined from real sentences, featurised by exact composition;
- `baselines`: exact search with plain NumPy and BM25 rebuilt per query;
- `run`: the measurements (the project's own build, index and query code paths);
- `report`: targets, console tables, bench.json and bench.png.
"""
