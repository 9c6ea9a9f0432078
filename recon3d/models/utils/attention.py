"""Multi-head attention with the official parameter layout, on SDPA."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def _split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    B, N, C = x.shape
    return x.reshape(B, N, num_heads, C // num_heads).transpose(1, 2)


def _merge_heads(x: torch.Tensor) -> torch.Tensor:
    B, H, N, D = x.shape
    return x.transpose(1, 2).reshape(B, N, H * D)


class SelfAttention(nn.Module):
    """Self-attention: ``qkv`` Linear(C, 3C, no bias), ``proj`` Linear(C, C).

    Scale ``(C / H) ** -0.5``, no dropout.

    Args:
        embed_dims (int): C.
        num_heads (int): H, must divide C.
    """

    def __init__(self, embed_dims: int, num_heads: int) -> None:
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims {embed_dims} is not divisible by '
                             f'num_heads {num_heads}')
        self.num_heads = num_heads
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=False)
        self.proj = nn.Linear(embed_dims, embed_dims)

    def forward(self, x: torch.Tensor, query_start: int = 0) -> torch.Tensor:
        """``x`` [B, N, C] -> [B, N - query_start, C].

        With ``query_start`` > 0 only the tokens from that index on are
        queries (every token is still a key and a value): the rows of the
        full output from ``query_start`` on, without computing the others.
        """
        if query_start:
            C = x.size(-1)
            q = F.linear(x[:, query_start:], self.qkv.weight[:C])
            k, v = F.linear(x, self.qkv.weight[C:]).chunk(2, dim=-1)
        else:
            q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (_split_heads(t, self.num_heads) for t in (q, k, v))
        out = F.scaled_dot_product_attention(q, k, v)
        return self.proj(_merge_heads(out))


class CrossAttention(nn.Module):
    """Cross-attention: ``q`` Linear(C, C), ``kv`` Linear(C, 2C), no biases;
    ``proj`` Linear(C, C) with bias. Scale ``(C / H) ** -0.5``.

    Args:
        embed_dims (int): C.
        num_heads (int): H, must divide C.
    """

    def __init__(self, embed_dims: int, num_heads: int) -> None:
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims {embed_dims} is not divisible by '
                             f'num_heads {num_heads}')
        self.num_heads = num_heads
        self.q = nn.Linear(embed_dims, embed_dims, bias=False)
        self.kv = nn.Linear(embed_dims, embed_dims * 2, bias=False)
        self.proj = nn.Linear(embed_dims, embed_dims)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """Queries ``x`` [B, Q, C] attend ``context`` [B, N, C] -> [B, Q, C].
        """
        q = _split_heads(self.q(x), self.num_heads)
        k, v = self.kv(context).chunk(2, dim=-1)
        k, v = _split_heads(k, self.num_heads), _split_heads(v, self.num_heads)
        out = F.scaled_dot_product_attention(q, k, v)
        return self.proj(_merge_heads(out))
