"""The Milvus index backend (`index_backend = "milvus"`): one collection of chunks with dense vectors and
Milvus's own BM25 full-text search over the project's jieba tokens, and a `<name>_meta` collection holding
the manifest, the documents and the term statistics. pymilvus is imported only by these modules, and only when
this backend is selected."""
