"""torchvision's weight initialisations, shared by the architectures."""
import ember.nn as nn

__all__ = ["init_conv_bn_linear"]


def init_conv_bn_linear(model, linear_std=None, conv_bias=True):
    """Initialise `model` as torchvision's CNNs do: every Conv2d kaiming-normal with
    mode='fan_out' for ReLU (bias zero), every BatchNorm/GroupNorm weight one and bias zero,
    and, when `linear_std` is given, every Linear normal(0, linear_std) with bias zero
    (otherwise Linear keeps its default init)."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None and conv_bias:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear) and linear_std is not None:
            nn.init.normal_(m.weight, 0, linear_std)
            nn.init.zeros_(m.bias)
