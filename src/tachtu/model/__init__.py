"""The learned gap classifier: features, model file, scorers and training."""
