"""Tests of klutils.regression: the logistic regression's log joint."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from klutils.regression import LogisticLogJoint, logistic_data


@pytest.fixture(scope="module")
def model():
    x, y = logistic_data(10, 2.0, np.random.default_rng(2026))
    return LogisticLogJoint(x, y, prior_sd=3.0)


def test_logistic_log_joint_against_hand_formula(model):
    for w in (-1.3, 0.0, 2.0, 7.5):
        log_lik = sum(math.log(1 / (1 + math.exp(-w * xi))) if yi == 1
                      else math.log(1 / (1 + math.exp(w * xi)))
                      for xi, yi in zip(model.x, model.y, strict=True))
        log_prior = stats.norm.logpdf(w, 0, 3.0)
        assert float(model(w)) == pytest.approx(log_prior + log_lik, rel=1e-13)
    w = np.linspace(-5, 5, 7)
    assert model(w).shape == (7,)
    assert model(w) == pytest.approx([float(model(v)) for v in w], rel=1e-14)
    assert np.isfinite(model(np.array([-1e4, 1e4]))).all()  # log_expit: no overflow


def test_logistic_data_is_seeded_and_valid():
    x1, y1 = logistic_data(50, 2.0, np.random.default_rng(4))
    x2, y2 = logistic_data(50, 2.0, np.random.default_rng(4))
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert set(np.unique(y1)) <= {0, 1}
    # with a large weight the label follows the sign of x almost always
    x, y = logistic_data(400, 50.0, np.random.default_rng(1))
    assert np.mean(y == (x > 0)) > 0.97


@pytest.mark.parametrize("args", [([1.0, 2.0], [1], 1.0), ([1.0], [2], 1.0), ([1.0], [1], 0.0),
                                  ([math.nan], [1], 1.0), ([], [], 1.0)])
def test_logistic_log_joint_rejects_bad_data(args):
    with pytest.raises(ValueError):
        LogisticLogJoint(*args)
