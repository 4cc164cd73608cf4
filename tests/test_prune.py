import json

import numpy as np
import pytest

from training.prune import prune_embeddings, prune_tokenizer_json, select_pieces, used_ids

tokenizers = pytest.importorskip("tokenizers")

VOCAB = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0), ("退", -3.0), ("款", -3.0),
         ("退款", -2.5), ("▁退款", -2.4), ("a", -4.0), ("b", -4.0), ("ab", -3.5), ("▁ab", -3.4),
         ("é", -5.0), ("été", -4.5), ("ж", -5.0), ("<mask>", 0.0)]


def _tokenizer_json() -> dict:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(VOCAB, unk_id=3))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
                                                       special_tokens=[("<s>", 0), ("</s>", 2)])
    tok.add_special_tokens(["<mask>"])
    return json.loads(tok.to_str())


def _load(obj: dict):
    from tokenizers import Tokenizer
    return Tokenizer.from_str(json.dumps(obj))


def test_selection_keeps_specials_cjk_ascii_and_used_pieces() -> None:
    keep = select_pieces(VOCAB, used={13}, ascii_top=0)        # 'é' used by the corpus
    names = [VOCAB[i][0] for i in keep]
    assert names[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and "<mask>" in names
    assert {"退", "款", "退款", "▁退款", "a", "b", "é"} <= set(names)
    assert "ab" not in names and "été" not in names and "ж" not in names
    assert "ab" in [VOCAB[i][0] for i in select_pieces(VOCAB, used=set(), ascii_top=2)]


def test_pruned_tokenizer_keeps_segmentation_and_remaps_ids() -> None:
    full = _tokenizer_json()
    full_tok = _load(full)
    corpus = ["退款 ab", "ab ab 退款"]
    keep = select_pieces(VOCAB, used_ids(full_tok, corpus), ascii_top=0)
    pruned = _load(prune_tokenizer_json(full, keep))
    for text in corpus + ["退款退款"]:
        a, b = full_tok.encode(text, "ab"), pruned.encode(text, "ab")
        assert a.tokens == b.tokens
        assert [keep[i] for i in b.ids] == a.ids            # new id -> old id through `keep`
    assert pruned.token_to_id("<mask>") == len(keep) - 1
    assert pruned.token_to_id("<unk>") in pruned.encode("ж").ids   # a dropped script falls back to unk


def test_embedding_rows_follow_the_kept_ids() -> None:
    weight = np.arange(len(VOCAB) * 3, dtype=np.float32).reshape(len(VOCAB), 3)
    keep = [0, 1, 2, 3, 7, 16]
    np.testing.assert_array_equal(prune_embeddings(weight, keep), weight[keep])
