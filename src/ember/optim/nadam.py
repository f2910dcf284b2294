"""NAdam, as torch.optim.NAdam."""
import ember

from .optimizer import (Optimizer, _check_lr, _new_step, _scalar,
                        _use_grad_for_differentiable, _value)

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

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
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
        loss = None
        if closure is not None:
            with ember.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            beta1, beta2 = group["betas"]
            eps, wd, psi = group["eps"], group["weight_decay"], group["momentum_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError("NAdam does not support sparse gradients")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["mu_product"] = ember.ones((), dtype=state["step"].dtype)
                    state["exp_avg"] = ember.zeros_like(p)
                    state["exp_avg_sq"] = ember.zeros_like(p)
                grad = -p.grad if group["maximize"] else p.grad
                exp_avg, exp_avg_sq, param = state["exp_avg"], state["exp_avg_sq"], p
                mu_product = state["mu_product"]
                if p.is_complex():
                    param = ember.view_as_real(p)
                    grad = ember.view_as_real(grad)
                    exp_avg = ember.view_as_real(exp_avg)
                    exp_avg_sq = ember.view_as_real(exp_avg_sq)
                state["step"] += 1
                tensor_math = group["differentiable"] or group["capturable"]
                # capturable: torch's bias corrections on the 0-d step tensor itself
                step = state["step"] if group["capturable"] else _value(state["step"])
                bias_correction2 = 1 - beta2 ** step
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        param.mul_(1 - lr * wd)
                    else:
                        grad = grad.add(param, alpha=wd)
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
                # the running product is kept in a 0-d tensor, rounded as torch rounds it
                mu_product *= mu
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = exp_avg_sq.div(bias_correction2).sqrt()
                if tensor_math:
                    # torch's tensor branch: the coefficients stay 0-d tensors (so autograd
                    # sees them) and nothing saved for backward is changed in place
                    denom = denom.add(eps)
                    mu_product_next = mu_product * mu_next
                    grad = grad * (-lr * (1.0 - mu) / (1.0 - mu_product))
                    exp_avg = exp_avg * (-lr * mu_next / (1.0 - mu_product_next))
                    param.addcdiv_(grad, denom)
                    param.addcdiv_(exp_avg, denom)
                    continue
                prod = _value(mu_product)
                mu_product_next = prod * mu_next
                denom.add_(eps)
                param.addcdiv_(grad, denom, value=_value(-lr * (1.0 - mu) / (1.0 - prod)))
                param.addcdiv_(exp_avg, denom,
                               value=_value((-lr * mu_next) / (1.0 - mu_product_next)))
        return loss
