"""Seeing training: learning curves, decision boundaries and an SGD animation.

matplotlib is imported only when a function runs (`pip install 'lamina[plot]'`).
"""
from lamina.plot.boundary import decision_boundary
from lamina.plot.curves import learning_curves
from lamina.plot.sgd import animate_sgd

__all__ = ["animate_sgd", "decision_boundary", "learning_curves"]
