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

        With few queries (ReCon's 3 global tokens over 26-64 local ones)
        the context is not projected: head h's scores
        ``q_h (W_k,h c)ᵀ = (q_h W_k,h) cᵀ`` and output
        ``softmax(·) (c W_v,hᵀ) = (softmax(·) c) W_v,hᵀ`` are the same
        products regrouped, so the queries move into the context's space
        ([Q, C] per head), attend the raw context, and each head's result
        is projected by its ``W_v,h`` afterwards: ~6× fewer multiply-adds
        for 3 queries over 26 tokens (chosen by a cost count; both orders
        give the same result up to rounding).
        """
        B, Q, C = x.shape
        N, H = context.size(1), self.num_heads
        D = C // H
        q = self.q(x)
        if Q * (C + H * N) < N * C:  # query side is cheaper
            w_k, w_v = self.kv.weight.view(2, H, D, C).unbind(0)
            # per head, the batch's queries as rows: [H, B·Q, D]·[H, D, C]
            q = q.view(B * Q, H, D).transpose(0, 1)
            q = torch.bmm(q, w_k).view(H, B, Q, C)
            # every head attends the same raw context: the heads' queries
            # are rows of one single-head attention, [B, 1, H·Q, C]
            q = q.transpose(0, 1).reshape(B, 1, H * Q, C)
            c = context.unsqueeze(1)
            out = F.scaled_dot_product_attention(q, c, c, scale=D**-0.5)
            out = out.view(B, H, Q, C).transpose(0, 1).reshape(H, B * Q, C)
            out = torch.bmm(out, w_v.transpose(1, 2))  # [H, B·Q, D]
            out = out.view(H, B, Q, D).permute(1, 2, 0, 3).reshape(B, Q, C)
        else:
            k, v = self.kv(context).chunk(2, dim=-1)
            out = _merge_heads(F.scaled_dot_product_attention(
                _split_heads(q, H), _split_heads(k, H), _split_heads(v, H)))
        return self.proj(out)
