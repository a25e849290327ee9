"""`qa bench` / `python -m eval.bench`: how fast 问答 builds and answers, from the seed corpus to 1M chunks.

- `context`: the configuration, the context loaded once (encoder, questions, sentence pool), queries per corpus;
- `corpus`: reproducible synthetic corpora recombined from real sentences, featurised by exact composition;
- `build`: phase A, each corpus's index built (and written) with the project's code, each component timed;
- `retrieval`: phase B, every index and baseline on the same queries (latency, recall, sweeps, checks);
- `baselines`: exact search with plain NumPy and BM25 rebuilt per query (and the bm25s library);
- `product`: phase C, the written index loaded as the product serves it, its query path timed;
- `milvus`: with --milvus, the same chunks in Milvus timed next to the local index;
- `run`: the phases run per corpus (each in its own process) and the report assembled;
- `results`: the typed record of each phase and of the run (bench.json is its `to_dict`);
- `measure`: latency summaries, timing and memory helpers;
- `report`: targets, console tables, bench.json; `plot`: bench.png.
"""
