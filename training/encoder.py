"""The classifier: a BERT-family encoder, mean pooling over the attention mask, a linear head.

Mean pooling, not [CLS] + pooler: e5 was trained with mean pooling and ships
no pooler weights, so a pooler would start random (see training/base.py).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)


class MeanPoolClassifier(nn.Module):
    """Logits for each label; the sigmoid lives in the export (and the loss)."""

    def __init__(self, encoder: nn.Module, n_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, n_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.with_states(input_ids, attention_mask, states=False)[0]

    def with_states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, *, states: bool = True
                    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...] | None]:
        """Logits and, for layer-wise distillation, every layer's hidden states (embeddings first)."""
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=states)
        return self.head(self.dropout(mean_pool(out.last_hidden_state, attention_mask))), out.hidden_states


def load_encoder(path: Path) -> nn.Module:
    """A local HF BERT-family directory, offline, in fp32 whatever its stored dtype; no pooler is added."""
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(path, local_files_only=True)
    kwargs = {"add_pooling_layer": False} if config.model_type == "bert" else {}
    return AutoModel.from_pretrained(path, config=config, local_files_only=True, dtype=torch.float32, **kwargs)


@torch.no_grad()
def embed(encoder: nn.Module, tokenizer, texts: list[str], *, prefix: str = "", batch: int = 32) -> torch.Tensor:
    """L2-normalized mean-pooled embeddings (the e5 recipe), for checks and reports."""
    encoder.eval()
    out = []
    for i in range(0, len(texts), batch):
        enc = tokenizer([prefix + t for t in texts[i:i + batch]], padding=True, truncation=True,
                        max_length=512, return_tensors="pt")
        hidden = encoder(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
        out.append(nn.functional.normalize(mean_pool(hidden, enc["attention_mask"]), dim=-1))
    return torch.cat(out) if out else torch.zeros(0)
