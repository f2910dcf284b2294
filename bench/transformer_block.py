"""One training step of a pre-LN transformer encoder block, ember vs torch.

nn.TransformerEncoderLayer(d_model=256, nhead=4, dim_feedforward=2048 (torch's default),
dropout=0, norm_first=True, batch_first=True) on a (16, 128, 256) batch: forward, a mean-of-squares
loss, backward, manual SGD under no_grad over `model.parameters()`, grads set to None. Both
libraries get identical weights and inputs (the first losses are checked to agree) and the
same thread count; steps run in alternating blocks of ~0.3 s in one process and the result is
the ratio of the medians, ember / torch (below 1.0 means ember is faster). Peak memory above
baseline comes from a fresh child process per library (bench/_harness.py).

Run: `python bench/transformer_block.py [--rounds N] [--threads N] [--clock cpu]`.
"""
import _harness

# ember's matmuls run in NumPy's BLAS, which reads its thread count when it loads: pin it to
# the count torch gets, before NumPy is imported
if __name__ == "__main__":
    _harness.pin_blas_threads()

import numpy as np  # noqa: E402

BATCH, SEQ, D_MODEL, HEADS, FF = 16, 128, 256, 4, 2048


def make_step(lib):
    """A zero-argument callable doing one training step with library `lib`."""
    lib.manual_seed(0)
    rng = np.random.default_rng(0)
    model = lib.nn.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=FF, dropout=0.0,
                                           norm_first=True, batch_first=True)
    with lib.no_grad():  # identical weights in both libraries
        for p in model.parameters():
            p.copy_(lib.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.05)
                                   .astype(np.float32)))
    params = list(model.parameters())
    x = lib.from_numpy(rng.standard_normal((BATCH, SEQ, D_MODEL)).astype(np.float32))

    def step():
        loss = model(x).pow(2).mean()
        loss.backward()
        _harness.sgd_step(lib, params)
        return loss
    return step


if __name__ == "__main__":
    _harness.main("transformer_block", make_step, __doc__)
