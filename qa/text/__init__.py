"""Chinese-text knowledge of the answering layer, shared by the reader, the conversation and eval: question
types (`question_types`) and how names look (`names`). jieba itself (words, index terms, POS tags) is
`embeddings.tokenize`; sentences and clauses are `embeddings.sentences`."""
