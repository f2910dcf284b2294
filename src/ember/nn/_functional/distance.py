"""Distances and similarities (torch.nn.functional.cosine_similarity, pairwise_distance,
pdist)."""
import ember

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine similarity of x1 and x2 along `dim` (broadcast), norms clamped at `eps`."""
    return ember.cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """p-norm distance between x1 and x2 along the last dim (eps added to the difference)."""
    return ember.pairwise_distance(x1, x2, p, eps, keepdim)


def pdist(input, p=2):
    """p-norm distances between every pair of rows of a 2-D input (upper triangle)."""
    return ember.pdist(input, p)
