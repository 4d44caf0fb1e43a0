"""Layers, as `keras.layers`."""
from lamina.backend import KerasTensor, Variable, clear_session
from lamina.layers.activity_regularization import ActivityRegularization
from lamina.layers.advanced_activations import (ELU, LeakyReLU, PReLU, ReLU, Softmax,
                                               ThresholdedReLU)
from lamina.layers.category_encoding import CategoryEncoding
from lamina.layers.core import Activation, Dense
from lamina.layers.discretization import Discretization
from lamina.layers.dropout import Dropout
from lamina.layers.embedding import Embedding
from lamina.layers.hashing import Hashing
from lamina.layers.input_layer import Input, InputLayer
from lamina.layers.integer_lookup import IntegerLookup
from lamina.layers.lambda_layer import Identity, Lambda
from lamina.layers.layer import Layer
from lamina.layers.layer_normalization import LayerNormalization
from lamina.layers.masking import Masking
from lamina.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                                   Subtract, add, average, concatenate, dot, maximum, minimum,
                                   multiply, subtract)
from lamina.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise
from lamina.layers.normalization import BatchNormalization
from lamina.layers.preprocessing import Normalization, Rescaling
from lamina.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from lamina.layers.rnn import (GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN,
                               SimpleRNNCell, StackedRNNCells, TimeDistributed)
from lamina.layers.string_lookup import StringLookup
from lamina.layers.text_vectorization import TextVectorization
from lamina.layers.convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose,
                                         Conv3D, Conv3DTranspose, Convolution1D,
                                         Convolution2D, Convolution3D, DepthwiseConv1D,
                                         DepthwiseConv2D, SeparableConv1D, SeparableConv2D)
from lamina.layers.cropping import Cropping1D, Cropping2D, Cropping3D
from lamina.layers.image_preprocessing import (CenterCrop, RandomBrightness, RandomContrast,
                                               RandomCrop, RandomFlip, RandomRotation,
                                               RandomTranslation, RandomZoom, Resizing)
from lamina.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D,
                                   AvgPool1D, AvgPool2D, AvgPool3D, GlobalAveragePooling1D,
                                   GlobalAveragePooling2D, GlobalAveragePooling3D,
                                   GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D,
                                   GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D,
                                   GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D,
                                   MaxPool1D, MaxPool2D, MaxPool3D, MaxPooling1D, MaxPooling2D,
                                   MaxPooling3D)
from lamina.layers.spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from lamina.layers.up_sampling import UpSampling1D, UpSampling2D, UpSampling3D
from lamina.layers.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D

__all__ = [
    "Activation", "ActivityRegularization", "Add", "AlphaDropout", "Average", "ELU",
    "LeakyReLU", "PReLU", "ReLU", "Softmax", "ThresholdedReLU",
    "BatchNormalization", "Concatenate", "Dense", "Dot", "Dropout", "Flatten",
    "GaussianDropout", "GaussianNoise", "Identity", "Input", "InputLayer", "KerasTensor",
    "Lambda", "Layer", "LayerNormalization", "Masking", "Maximum", "Minimum", "Multiply",
    "Normalization", "Permute", "RepeatVector", "Rescaling", "Reshape", "Subtract",
    "Variable", "add", "average", "clear_session", "concatenate", "dot", "maximum",
    "minimum", "multiply", "subtract",
    # sequences: embeddings and recurrent layers
    "Bidirectional", "Embedding", "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN",
    "SimpleRNNCell", "StackedRNNCells", "TimeDistributed",
]
__all__ += ["CategoryEncoding", "Discretization", "Hashing", "IntegerLookup", "StringLookup",
            "TextVectorization"]
__all__ += [
    "Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
    "Convolution1D", "Convolution2D", "Convolution3D",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D",
    "AvgPool3D", "Cropping1D", "Cropping2D", "Cropping3D", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalAvgPool1D", "GlobalAvgPool2D",
    "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "MaxPool1D",
    "MaxPool2D", "MaxPool3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "UpSampling1D",
    "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
    "CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip",
    "RandomRotation", "RandomTranslation", "RandomZoom", "Resizing",
]
