"""The example studio shipped with the package: the manifests and repo config of the demo."""
