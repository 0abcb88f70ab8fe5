"""Estimators for tables: ``TabularClassifier`` and ``TabularRegressor`` take a DataFrame
(numeric, boolean and categorical columns, missing values) as it is, preprocess it
inside ``fit`` (:class:`TabularPreprocessor`) and train mlp's own estimators on it."""
