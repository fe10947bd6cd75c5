"""Evaluation of frozen representations: kNN monitor, linear probes (fast and standard),
the raw-pixel baseline and collapse metrics."""

from nasiam_dsl.evaluate.collapse import rankme, std_of_l2_normalized
from nasiam_dsl.evaluate.features import extract_features
from nasiam_dsl.evaluate.knn import knn_accuracy, knn_predict
from nasiam_dsl.evaluate.linear_probe import linear_probe
from nasiam_dsl.evaluate.linear_protocol import linear_train_transform, standard_linear_eval
from nasiam_dsl.evaluate.monitor import Features, KnnMonitor, features_of, knn_of
from nasiam_dsl.evaluate.raw_pixels import RawPixels
from nasiam_dsl.evaluate.subset import limited

__all__ = [
    "Features",
    "KnnMonitor",
    "RawPixels",
    "extract_features",
    "features_of",
    "knn_accuracy",
    "knn_of",
    "knn_predict",
    "limited",
    "linear_probe",
    "linear_train_transform",
    "rankme",
    "standard_linear_eval",
    "std_of_l2_normalized",
]
