"""Autograd nodes for nn (pooling)."""
