import torch
import torch.nn as nn


class Mlp(nn.Module):
    """``fc1`` Linear(C, hidden) -> GELU -> ``fc2`` Linear(hidden, C).

    Args:
        embed_dims (int): C.
        hidden_dims (int): Hidden width (4C in every ReCon model).
    """

    def __init__(self, embed_dims: int, hidden_dims: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(embed_dims, hidden_dims)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_dims, embed_dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[..., C] -> [..., C]."""
        return self.fc2(self.act(self.fc1(x)))
