"""Autograd nodes for nn (nn_norm)."""
