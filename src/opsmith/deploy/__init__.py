"""Deploying: what decides that a new release is healthy, shared by `opsmith deploy` and the
manifests opsmith generates, so both judge a release the same way."""
