"""ChannelShuffle (torch.nn.ChannelShuffle)."""
from ember.nn._functional.vision import channel_shuffle
from ember.nn.modules.module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """Divides the C channels of (N, C, *) into `groups` groups and interleaves them, keeping
    the shape (ShuffleNet's channel shuffle)."""

    __constants__ = ["groups"]

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
