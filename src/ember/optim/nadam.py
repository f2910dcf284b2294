"""NAdam, as torch.optim.NAdam."""
import ember

from .optimizer import (Optimizer, _check_adam_like, _new_step, _real_views, _scalar,
                        _use_grad_for_differentiable, _value, _weight_decay)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam (torch.optim.NAdam): Adam with Nesterov momentum and a momentum schedule.

    With :math:`\mu_t = \beta_1 (1 - \tfrac12 0.96^{t\psi})` (:math:`\psi` the momentum
    decay) and :math:`\Pi_t = \prod_{i \le t} \mu_i`:

    .. math::
        g &\leftarrow \pm g_t + \lambda\theta
            \quad\text{(or } \theta \leftarrow \theta(1 - \gamma\lambda)
            \text{ when decoupled)} \\
        m_t &= m_{t-1} + (1 - \beta_1)(g - m_{t-1}),\quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g^2 \\
        d &= \sqrt{v_t / (1 - \beta_2^t)} + \epsilon \\
        \theta &\leftarrow \theta - \gamma \frac{1 - \mu_t}{1 - \Pi_t} \frac{g}{d}
            - \gamma \frac{\mu_{t+1}}{1 - \Pi_t \mu_{t+1}} \frac{m_t}{d}

    State: ``step``, ``mu_product`` (:math:`\Pi`, a 0-d tensor), ``exp_avg``, ``exp_avg_sq``.
    """

    _sparse_message = "NAdam does not support sparse gradients"

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_adam_like(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one NAdam step; ``closure`` re-evaluates the model and returns the loss."""
        return self._step_singles(closure)

    def _group_hyper(self, group):
        # differentiable or capturable: torch's tensor branch (tensor_math)
        return (_scalar(group["lr"]), *group["betas"], group["eps"], group["weight_decay"],
                group["momentum_decay"], group["decoupled_weight_decay"],
                group["differentiable"] or group["capturable"], group["capturable"])

    def _init_single(self, p, state, group):
        step = _new_step()
        state.update(step=step, mu_product=ember.ones((), dtype=step.dtype),
                     exp_avg=ember.zeros_like(p), exp_avg_sq=ember.zeros_like(p))

    def _apply_single(self, grad, p, state, hyper):
        lr, beta1, beta2, eps, wd, psi, decoupled, tensor_math, capturable = hyper
        param, grad, exp_avg, exp_avg_sq = _real_views(p, p, grad, state["exp_avg"],
                                                       state["exp_avg_sq"])
        mu_product = state["mu_product"]
        state["step"] += 1
        # capturable: torch's bias corrections on the 0-d step tensor itself
        step = state["step"] if capturable else _value(state["step"])
        bias_correction2 = 1 - beta2 ** step
        grad = _weight_decay(grad, param, wd, lr, decoupled)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
        # the running product is kept in a 0-d tensor, rounded as torch rounds it
        mu_product *= mu
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt()
        if tensor_math:
            # torch's tensor branch: the coefficients stay 0-d tensors (so autograd sees
            # them) and nothing saved for backward is changed in place
            denom = denom.add(eps)
            mu_product_next = mu_product * mu_next
            grad = grad * (-lr * (1.0 - mu) / (1.0 - mu_product))
            exp_avg = exp_avg * (-lr * mu_next / (1.0 - mu_product_next))
            param.addcdiv_(grad, denom)
            param.addcdiv_(exp_avg, denom)
            return
        prod = _value(mu_product)
        mu_product_next = prod * mu_next
        denom.add_(eps)
        param.addcdiv_(grad, denom, value=_value(-lr * (1.0 - mu) / (1.0 - prod)))
        param.addcdiv_(exp_avg, denom,
                       value=_value((-lr * mu_next) / (1.0 - mu_product_next)))
