"""Seeing training: learning curves, decision boundaries, an SGD animation, and the
filters and feature maps of convolutional networks.

matplotlib is imported only when a function runs (`pip install 'lamina[plot]'`).
"""
from lamina.plot.boundary import decision_boundary
from lamina.plot.curves import learning_curves
from lamina.plot.images import feature_maps, filters
from lamina.plot.sgd import animate_sgd

__all__ = ["animate_sgd", "decision_boundary", "feature_maps", "filters", "learning_curves"]
