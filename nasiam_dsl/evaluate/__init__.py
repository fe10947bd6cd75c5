"""Evaluation of frozen representations: kNN monitor, linear probe and collapse metrics."""

from nasiam_dsl.evaluate.collapse import rankme, std_of_l2_normalized
from nasiam_dsl.evaluate.features import extract_features
from nasiam_dsl.evaluate.knn import knn_accuracy, knn_predict
from nasiam_dsl.evaluate.linear_probe import linear_probe

__all__ = [
    "extract_features",
    "knn_accuracy",
    "knn_predict",
    "linear_probe",
    "rankme",
    "std_of_l2_normalized",
]
