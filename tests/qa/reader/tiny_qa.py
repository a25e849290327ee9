"""A tiny extractive-QA model built in the tests: character tokenizer, BERT with no layers, and a QA head that points
at one chosen character (so what it answers is known and the whole loading/decoding path can be checked)."""

from __future__ import annotations

from pathlib import Path

CHARS = "0123456789万余个名人年月日全国地方公安机关共设置了多少派出所辖区面积平方公里口厦门莲前，。？的是有在"


def build_tiny_qa_model(target: Path, answer_chars: str = "4万") -> Path:
    """Save a `BertForQuestionAnswering` + fast tokenizer at `target` whose start/end logits peak on `answer_chars`
    (start on its first character, end on its last)."""
    import torch
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertForQuestionAnswering, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    vocab = {tok: i for i, tok in enumerate(specials + sorted(set(CHARS)))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"\S"), behavior="isolated")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        model_max_length=128,
    )
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=8, num_hidden_layers=0, num_attention_heads=1, intermediate_size=8,
        max_position_embeddings=128, type_vocab_size=2, hidden_dropout_prob=0.0,
    )
    torch.manual_seed(0)
    model = BertForQuestionAnswering(config)
    first, last = vocab[answer_chars[0]], vocab[answer_chars[-1]]
    with torch.no_grad():
        emb = model.bert.embeddings
        emb.word_embeddings.weight.zero_()  # LayerNorm maps a zero vector to zero: only the chosen characters stand out
        emb.position_embeddings.weight.zero_()
        emb.token_type_embeddings.weight.zero_()
        emb.word_embeddings.weight[first, 0] = 5.0
        emb.word_embeddings.weight[last, 1] = 5.0
        model.qa_outputs.weight.zero_()
        model.qa_outputs.weight[0, 0] = 3.0  # start logit follows dimension 0
        model.qa_outputs.weight[1, 1] = 3.0  # end logit follows dimension 1
        model.qa_outputs.bias.zero_()
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(target))
    fast.save_pretrained(str(target))
    return target
