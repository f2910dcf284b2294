"""Probability distributions with torch.distributions' API: Normal, Uniform, Bernoulli,
Categorical and Independent, with sampling, log_prob, entropy and kl_divergence."""
from ember.distributions import constraints
from ember.distributions.bernoulli import Bernoulli
from ember.distributions.categorical import Categorical
from ember.distributions.distribution import Distribution
from ember.distributions.independent import Independent
from ember.distributions.kl import kl_divergence, register_kl
from ember.distributions.normal import Normal
from ember.distributions.uniform import Uniform

__all__ = ["Bernoulli", "Categorical", "Distribution", "Independent", "Normal", "Uniform",
           "constraints", "kl_divergence", "register_kl"]
