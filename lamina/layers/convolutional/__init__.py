"""Convolution layers: one N-d convolution (`base_conv.BaseConv`) behind Conv1D/2D/3D,
and the transposed, depthwise and separable families built on the same pieces. As in
Keras 2's `keras.layers.convolutional`, the module also holds the padding, cropping,
up-sampling and window-pooling layers, and Keras 1's `Convolution1D/2D/3D`."""
from lamina.layers.convolutional.base_conv import Conv1D, Conv2D, Conv3D
from lamina.layers.convolutional.conv_transpose import (Conv1DTranspose, Conv2DTranspose,
                                                        Conv3DTranspose)
from lamina.layers.convolutional.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D
from lamina.layers.convolutional.keras1 import Convolution1D, Convolution2D, Convolution3D
from lamina.layers.convolutional.separable_conv import SeparableConv1D, SeparableConv2D
from lamina.layers.cropping import Cropping1D, Cropping2D, Cropping3D
from lamina.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D,
                                   MaxPooling1D, MaxPooling2D, MaxPooling3D)
from lamina.layers.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
from lamina.layers.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D

__all__ = [
    "Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
    "Convolution1D", "Convolution2D", "Convolution3D",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "Cropping1D", "Cropping2D",
    "Cropping3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "UpSampling1D",
    "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
]
