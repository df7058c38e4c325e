"""scikit-learn's own estimator checks, on both estimators: every check runs and passes.

scikit-learn itself skips two (`check_array_api_input`): they need SCIPY_ARRAY_API=1 and an
estimator that declares array API support, which deepnet (numpy in, numpy out) does not.
"""
from sklearn.utils.estimator_checks import parametrize_with_checks

from deepnet import MLPClassifier, MLPRegressor


@parametrize_with_checks([MLPClassifier(), MLPRegressor()])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
