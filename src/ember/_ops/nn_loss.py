"""Autograd nodes for nn (nn_loss)."""
