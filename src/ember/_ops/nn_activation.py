"""Autograd nodes for nn (nn_activation)."""
