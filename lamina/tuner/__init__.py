"""Hyperparameter search with KerasTuner's API, as `keras_tuner`.

`HyperParameters`, `HyperModel`, `Objective` and the tuners `RandomSearch`,
`GridSearch`, `BayesianOptimization` and `Hyperband`, on Optuna's samplers and
pruners (`pip install 'lamina[tuner]'`). Results stay on disk in
`<directory>/<project_name>`, and a search run again resumes from them.
"""
from lamina.tuner._trial import Trial
from lamina.tuner.hypermodel import HyperModel
from lamina.tuner.hyperparameters import HyperParameters
from lamina.tuner.objective import Objective
from lamina.tuner.oracle import Oracle
from lamina.tuner.tuner import Tuner
from lamina.tuner.tuners import BayesianOptimization, GridSearch, Hyperband, RandomSearch

__all__ = ["BayesianOptimization", "GridSearch", "HyperModel", "HyperParameters", "Hyperband",
           "Objective", "Oracle", "RandomSearch", "Trial", "Tuner"]
