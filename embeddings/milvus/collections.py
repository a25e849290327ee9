"""The two collections of a Milvus index and reading/writing what they hold.

`<name>`: one row per chunk (chunk id, doc id, source, title, start, end, text, the jieba tokens joined by spaces
feeding a BM25 function, the dense vector). `<name>_meta`: JSON values split into parts of at most
`PART_CHARS` characters (a VARCHAR holds 65,535 bytes): the manifest, the term statistics, the document order
and one value per document (its full normalised text, cited by offsets). Milvus wants a vector field in every
collection, so the meta rows carry a constant 2-d one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

MAX_VARCHAR = 65_535
PART_CHARS = 15_000
"""At most 4 UTF-8 bytes a character: a part always fits a VARCHAR."""
BATCH_ROWS = 512
QUERY_BATCH = 2_000
_MISSING_VECTOR = [0.0, 0.0]


def meta_name(collection: str) -> str:
    return f"{collection}_meta"


def clip(text: str, max_bytes: int = MAX_VARCHAR) -> str:
    """`text` cut to fit a VARCHAR of `max_bytes` bytes (UTF-8)."""
    data = text.encode("utf-8")
    return text if len(data) <= max_bytes else data[:max_bytes].decode("utf-8", errors="ignore")


def literal(values: Sequence[str]) -> str:
    """A Milvus list literal of strings (JSON escapes are Milvus escapes; Lite 2.5 has no filter templates)."""
    return json.dumps(list(values), ensure_ascii=False)


def create(client: Any, collection: str, dimension: int, k1: float, b: float) -> None:
    """Create the chunk and meta collections with their indexes (exact inner product, BM25 with k1 and b)."""
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("chunk_id", DataType.VARCHAR, is_primary=True, max_length=1024)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=1024)
    schema.add_field("source", DataType.VARCHAR, max_length=4096)
    schema.add_field("title", DataType.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field("start", DataType.INT64)
    schema.add_field("end", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field(
        "tokens", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True, analyzer_params={"tokenizer": "whitespace"}
    )
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_function(
        Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["tokens"], output_field_names=["sparse"])
    )
    index = client.prepare_index_params()
    index.add_index("dense", index_type="FLAT", metric_type="IP")
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params={"bm25_k1": k1, "bm25_b": b})
    client.create_collection(collection, schema=schema, index_params=index, consistency_level="Strong")

    meta = client.create_schema(auto_id=False, enable_dynamic_field=False)
    meta.add_field("id", DataType.VARCHAR, is_primary=True, max_length=4096)
    meta.add_field("kind", DataType.VARCHAR, max_length=32)
    meta.add_field("key", DataType.VARCHAR, max_length=2048)
    meta.add_field("owner", DataType.VARCHAR, max_length=4096)
    meta.add_field("part", DataType.INT64)
    meta.add_field("value", DataType.VARCHAR, max_length=MAX_VARCHAR)
    meta.add_field("vec", DataType.FLOAT_VECTOR, dim=2)
    meta_index = client.prepare_index_params()
    meta_index.add_index("vec", index_type="FLAT", metric_type="L2")
    client.create_collection(meta_name(collection), schema=meta, index_params=meta_index, consistency_level="Strong")


def drop(client: Any, collection: str) -> None:
    for name in (collection, meta_name(collection)):
        if client.has_collection(name):
            client.drop_collection(name)


def exists(client: Any, collection: str) -> bool:
    return bool(client.has_collection(collection) and client.has_collection(meta_name(collection)))


def load(client: Any, collection: str) -> None:
    for name in (collection, meta_name(collection)):
        client.load_collection(name)


def insert_batches(client: Any, collection: str, rows: Iterable[dict[str, Any]], batch: int = BATCH_ROWS) -> int:
    """Upsert `rows` in batches; returns how many."""
    pending: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        pending.append(row)
        if len(pending) >= batch:
            client.upsert(collection, pending)
            count += len(pending)
            pending = []
    if pending:
        client.upsert(collection, pending)
        count += len(pending)
    return count


def iterate(client: Any, collection: str, filter: str, fields: list[str]) -> Iterator[dict[str, Any]]:
    """Every row matching `filter` (query_iterator: no 16,384-row window)."""
    it = client.query_iterator(collection, batch_size=QUERY_BATCH, filter=filter, output_fields=fields)
    try:
        while True:
            rows = it.next()
            if not rows:
                return
            yield from rows
    finally:
        it.close()


# -- JSON values in the meta collection -------------------------------------------------------------------


def _parts(kind: str, key: str, owner: str, value: Any) -> list[dict[str, Any]]:
    text = json.dumps(value, ensure_ascii=False)
    pieces = [text[i : i + PART_CHARS] for i in range(0, len(text), PART_CHARS)] or [""]
    return [
        {"id": f"{kind}:{key}:{n}", "kind": kind, "key": key, "owner": owner, "part": n, "value": piece, "vec": _MISSING_VECTOR}
        for n, piece in enumerate(pieces)
    ]


def put_values(client: Any, collection: str, kind: str, values: Iterable[tuple[str, str, Any]]) -> int:
    """Store (key, owner, JSON value) rows of `kind`, replacing earlier values of those keys."""
    rows: list[dict[str, Any]] = []
    keys: list[str] = []
    for key, owner, value in values:
        keys.append(key)
        rows.extend(_parts(kind, key, owner, value))
    delete_values(client, collection, kind, keys=keys)
    return insert_batches(client, meta_name(collection), rows)


def put_value(client: Any, collection: str, kind: str, value: Any) -> None:
    put_values(client, collection, kind, [(kind, "", value)])


def _assemble(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    parts: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        parts.setdefault(row["key"], []).append((int(row["part"]), row["value"]))
    return {key: json.loads("".join(v for _, v in sorted(pieces))) for key, pieces in parts.items()}


def get_value(client: Any, collection: str, kind: str) -> Any | None:
    """The value stored with `put_value`, or None."""
    rows = client.query(meta_name(collection), filter=f"kind == {json.dumps(kind)}", output_fields=["key", "part", "value"], limit=16_384)
    return _assemble(rows).get(kind)


def get_values(client: Any, collection: str, kind: str) -> dict[str, Any]:
    """Every value of `kind`, by key."""
    return _assemble(iterate(client, meta_name(collection), f"kind == {json.dumps(kind)}", ["key", "part", "value"]))


def keys_of_owners(client: Any, collection: str, kind: str, owners: Sequence[str]) -> list[str]:
    """The keys of `kind` stored for these owners (the doc ids of some sources)."""
    if not owners:
        return []
    rows = iterate(client, meta_name(collection), f"kind == {json.dumps(kind)} and part == 0 and owner in {literal(owners)}", ["key"])
    return [r["key"] for r in rows]


def delete_values(client: Any, collection: str, kind: str, *, keys: Sequence[str]) -> None:
    for i in range(0, len(keys), 1000):
        batch = keys[i : i + 1000]
        client.delete(meta_name(collection), filter=f"kind == {json.dumps(kind)} and key in {literal(batch)}")
