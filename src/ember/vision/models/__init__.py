"""ember.vision.models: torchvision.models architectures on ember.

Each factory takes torchvision's arguments (`weights=None`, `progress`, `num_classes`, ...),
initialises as torchvision does and names its modules as torchvision does, so a torchvision
`state_dict` loads with `strict=True`. ember cannot download weights: `weights` must be None.
"""
from ._api import get_model, get_model_builder, list_models
from .alexnet import AlexNet, alexnet
from .densenet import DenseNet, densenet121, densenet161, densenet169, densenet201
from .lenet import LeNet5, lenet5
from .mobilenetv2 import MobileNetV2, mobilenet_v2
from .resnet import (ResNet, resnet18, resnet18_cifar, resnet34, resnet34_cifar, resnet50,
                     resnet101, resnet152, resnext50_32x4d, resnext101_32x8d, resnext101_64x4d,
                     wide_resnet50_2, wide_resnet101_2)
from .squeezenet import SqueezeNet, squeezenet1_0, squeezenet1_1
from .mobilenetv3 import MobileNetV3, mobilenet_v3_large, mobilenet_v3_small
from .efficientnet import (EfficientNet, efficientnet_b0, efficientnet_b1, efficientnet_b2,
                           efficientnet_b3, efficientnet_b4, efficientnet_b5, efficientnet_b6,
                           efficientnet_b7)
from .shufflenetv2 import (ShuffleNetV2, shufflenet_v2_x0_5, shufflenet_v2_x1_0,
                           shufflenet_v2_x1_5, shufflenet_v2_x2_0)
from .googlenet import GoogLeNet, GoogLeNetOutputs, googlenet
from .inception import Inception3, InceptionOutputs, inception_v3
from .convnext import ConvNeXt, convnext_base, convnext_large, convnext_small, convnext_tiny
from .regnet import RegNet, regnet_x_400mf, regnet_x_800mf, regnet_y_400mf, regnet_y_800mf
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn
from .vision_transformer import (VisionTransformer, vit_b_16, vit_b_32, vit_h_14, vit_l_16,
                                 vit_l_32, vit_tiny)
from . import (densenet, lenet, mobilenetv2, resnet, squeezenet, vgg,  # noqa: F401
               vision_transformer)

__all__ = ["get_model", "get_model_builder", "list_models", "LeNet5", "lenet5", "MobileNetV2",
           "mobilenet_v2", "ResNet", "resnet18", "resnet34", "resnet50", "resnet101",
           "resnet152", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
           "wide_resnet50_2", "wide_resnet101_2", "resnet18_cifar", "resnet34_cifar", "VGG",
           "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
           "VisionTransformer", "vit_tiny", "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32",
           "vit_h_14", "AlexNet", "alexnet", "SqueezeNet", "squeezenet1_0", "squeezenet1_1",
           "DenseNet", "densenet121", "densenet161", "densenet169", "densenet201"]
__all__ += ["MobileNetV3", "mobilenet_v3_large", "mobilenet_v3_small", "EfficientNet",
            "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
            "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7",
            "ShuffleNetV2", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
            "shufflenet_v2_x2_0", "GoogLeNet", "GoogLeNetOutputs", "googlenet", "Inception3",
            "InceptionOutputs", "inception_v3", "ConvNeXt", "convnext_tiny", "convnext_small",
            "convnext_base", "convnext_large", "RegNet", "regnet_y_400mf", "regnet_y_800mf",
            "regnet_x_400mf", "regnet_x_800mf"]
