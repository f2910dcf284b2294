"""Autograd nodes for nn (conv)."""
