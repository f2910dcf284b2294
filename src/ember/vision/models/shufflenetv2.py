"""ShuffleNet V2 (Ma et al., 2018) with torchvision's module names, arguments and
initialisation (PyTorch's default layer initialisation)."""
import ember
import ember.nn as nn
import ember.nn.functional as F

from ._api import handle_weights

__all__ = ["ShuffleNetV2", "InvertedResidual", "channel_shuffle", "shufflenet_v2_x0_5",
           "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0"]


def channel_shuffle(x, groups):
    """Interleave the channels of `x` (N, C, H, W) across `groups`
    (torchvision.models.shufflenetv2.channel_shuffle)."""
    return F.channel_shuffle(x, groups)


def _depthwise_conv(i, o, kernel_size, stride=1, padding=0, bias=False):
    return nn.Conv2d(i, o, kernel_size, stride, padding, bias=bias, groups=i)


class InvertedResidual(nn.Module):
    """ShuffleNet V2 unit: with stride 1 the input is split in two and one half goes through
    `branch2`; with stride 2 both `branch1` and `branch2` see the whole input. The halves are
    concatenated and the channels shuffled."""

    def __init__(self, inp, oup, stride):
        super().__init__()
        if not 1 <= stride <= 3:
            raise ValueError("illegal stride value")
        self.stride = stride
        branch_features = oup // 2
        if stride == 1 and inp != branch_features << 1:
            raise ValueError(f"Invalid combination of stride {stride}, inp {inp} and oup {oup} "
                             "values. If stride == 1 then inp should be equal to oup // 2 << 1.")
        if stride > 1:
            self.branch1 = nn.Sequential(
                _depthwise_conv(inp, inp, 3, stride, 1), nn.BatchNorm2d(inp),
                nn.Conv2d(inp, branch_features, 1, 1, 0, bias=False),
                nn.BatchNorm2d(branch_features), nn.ReLU(inplace=True))
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if stride > 1 else branch_features, branch_features, 1, 1, 0,
                      bias=False),
            nn.BatchNorm2d(branch_features), nn.ReLU(inplace=True),
            _depthwise_conv(branch_features, branch_features, 3, stride, 1),
            nn.BatchNorm2d(branch_features),
            nn.Conv2d(branch_features, branch_features, 1, 1, 0, bias=False),
            nn.BatchNorm2d(branch_features), nn.ReLU(inplace=True))

    def forward(self, x):
        """Split (or duplicate) `x`, transform, concatenate and shuffle two groups."""
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = ember.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = ember.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    """torchvision.models.ShuffleNetV2: 3x3/2 conv stem and max pool, three stages of units
    (`stage2`..`stage4`), a 1x1 `conv5`, global mean pooling and `fc`."""

    def __init__(self, stages_repeats, stages_out_channels, num_classes=1000,
                 inverted_residual=InvertedResidual):
        super().__init__()
        if len(stages_repeats) != 3:
            raise ValueError("expected stages_repeats as list of 3 positive ints")
        if len(stages_out_channels) != 5:
            raise ValueError("expected stages_out_channels as list of 5 positive ints")
        self._stage_out_channels = stages_out_channels
        input_channels = 3
        output_channels = stages_out_channels[0]
        self.conv1 = nn.Sequential(
            nn.Conv2d(input_channels, output_channels, 3, 2, 1, bias=False),
            nn.BatchNorm2d(output_channels), nn.ReLU(inplace=True))
        input_channels = output_channels
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for name, repeats, output_channels in zip(("stage2", "stage3", "stage4"),
                                                  stages_repeats, stages_out_channels[1:]):
            seq = [inverted_residual(input_channels, output_channels, 2)]
            seq += [inverted_residual(output_channels, output_channels, 1)
                    for _ in range(repeats - 1)]
            setattr(self, name, nn.Sequential(*seq))
            input_channels = output_channels
        output_channels = stages_out_channels[-1]
        self.conv5 = nn.Sequential(
            nn.Conv2d(input_channels, output_channels, 1, 1, 0, bias=False),
            nn.BatchNorm2d(output_channels), nn.ReLU(inplace=True))
        self.fc = nn.Linear(output_channels, num_classes)

    def forward(self, x):
        """Logits (N, num_classes) for images `x` (N, 3, H, W)."""
        x = self.maxpool(self.conv1(x))
        x = self.conv5(self.stage4(self.stage3(self.stage2(x))))
        return self.fc(x.mean([2, 3]))


@handle_weights
def shufflenet_v2_x0_5(**kwargs):
    """ShuffleNet V2 0.5x (torchvision.models.shufflenet_v2_x0_5): 1,366,792 parameters."""
    return ShuffleNetV2([4, 8, 4], [24, 48, 96, 192, 1024], **kwargs)


@handle_weights
def shufflenet_v2_x1_0(**kwargs):
    """ShuffleNet V2 1.0x (torchvision.models.shufflenet_v2_x1_0): 2,278,604 parameters."""
    return ShuffleNetV2([4, 8, 4], [24, 116, 232, 464, 1024], **kwargs)


@handle_weights
def shufflenet_v2_x1_5(**kwargs):
    """ShuffleNet V2 1.5x (torchvision.models.shufflenet_v2_x1_5): 3,503,624 parameters."""
    return ShuffleNetV2([4, 8, 4], [24, 176, 352, 704, 1024], **kwargs)


@handle_weights
def shufflenet_v2_x2_0(**kwargs):
    """ShuffleNet V2 2.0x (torchvision.models.shufflenet_v2_x2_0): 7,393,996 parameters."""
    return ShuffleNetV2([4, 8, 4], [24, 244, 488, 976, 2048], **kwargs)
