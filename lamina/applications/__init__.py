"""`keras.applications`: Keras's reference image networks, built layer for layer as Keras
builds them (the same layer names, shapes and parameter counts), so weight files that
Keras wrote load into them.

Each network has its module with its preprocessing, as in Keras:
`lamina.applications.vgg16` (`VGG16`, `preprocess_input`, `decode_predictions`),
`resnet50` (and `resnet`), `mobilenet_v2`, `inception_v3`; `imagenet_utils` holds the
shared helpers. `weights="imagenet"` reads Keras's files from `~/.keras/models/`
(`$KERAS_HOME/models/`): Lamina never downloads them, and says which file to fetch.
"""
from lamina.applications import imagenet_utils, inception_v3, mobilenet_v2, resnet, resnet50, vgg16
from lamina.applications.inception_v3 import InceptionV3
from lamina.applications.mobilenet_v2 import MobileNetV2
from lamina.applications.resnet import ResNet50
from lamina.applications.vgg16 import VGG16

__all__ = ["InceptionV3", "MobileNetV2", "ResNet50", "VGG16", "imagenet_utils", "inception_v3",
           "mobilenet_v2", "resnet", "resnet50", "vgg16"]
