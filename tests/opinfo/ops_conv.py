"""Op-table records for the top-level convolution, pooling and padding functions
(src/ember/_ops/conv.py, src/ember/_ops/pooling.py): torch.conv*d, torch.conv_transpose*d,
torch.convolution, torch.max_pool*d, torch.avg_pool1d, torch.adaptive_*_pool1d and
torch.constant_pad_nd. Samples are tiny so gradcheck runs on most of them; the nn tests
(tests/nn/test_conv.py, test_pooling.py, test_padding.py) sweep the options."""
import numpy as np

from opinfo.core import S as Sample
from opinfo.core import FLOATS, HALFS, ErrorSample, OpInfo
from opinfo.core import randn as _randn


def randn(rng, shape, dtype):
    return np.asarray(_randn(rng, shape, dtype, -1.0, 1.0))


def _conv_samples(nd):
    def samples(rng, dt):
        sp = (4, 3, 3)[:nd]
        k = (2, 2, 1)[:nd]
        return [
            Sample(randn(rng, (1, 2) + sp, dt), randn(rng, (2, 2) + k, dt), name="plain"),
            Sample(randn(rng, (2, 2) + sp, dt), randn(rng, (2, 1) + k, dt),
                   randn(rng, (2,), dt), stride=2, padding=1, groups=2, name="s2p1g2"),
            Sample(randn(rng, (1, 1) + sp, dt), randn(rng, (1, 1) + k, dt), padding="same",
                   dilation=2, name="same"),
            Sample(randn(rng, (2,) + sp, dt), randn(rng, (3, 2) + k, dt), name="unbatched"),
        ]
    return samples


def _convt_samples(nd):
    def samples(rng, dt):
        sp = (3, 2, 2)[:nd]
        k = (2, 2, 1)[:nd]
        return [
            Sample(randn(rng, (1, 2) + sp, dt), randn(rng, (2, 2) + k, dt), name="plain"),
            Sample(randn(rng, (1, 2) + sp, dt), randn(rng, (2, 1) + k, dt),
                   randn(rng, (2,), dt), stride=2, padding=1, output_padding=1, groups=2,
                   name="s2op1g2"),
            Sample(randn(rng, (2,) + sp, dt), randn(rng, (2, 1) + k, dt), dilation=2,
                   name="unbatched"),
        ]
    return samples


def _conv_errors(nd):
    def errors(rng):
        f = "float32"
        sp = (4,) * nd
        return [ErrorSample((randn(rng, (1, 3) + sp, f), randn(rng, (2, 2) + (2,) * nd, f))),
                ErrorSample((randn(rng, (1, 2) + sp, f), randn(rng, (2, 2) + (5,) * nd, f)))]
    return errors


def convolution_samples(rng, dt):
    return [Sample(randn(rng, (1, 2, 4, 3), dt), randn(rng, (2, 2, 2, 2), dt),
                   randn(rng, (2,), dt), [2, 1], [1, 0], [1, 1], False, [0, 0], 1),
            Sample(randn(rng, (1, 2, 3, 2), dt), randn(rng, (2, 1, 2, 2), dt), None,
                   [2, 2], [0, 0], [1, 1], True, [1, 0], 1)]


def _pool_samples(nd, with_dilation=True):
    def samples(rng, dt):
        sp = (6, 5, 4)[:nd]
        out = [Sample(randn(rng, (1, 2) + sp, dt), 2, name="k2"),
               Sample(randn(rng, (2,) + sp, dt), 3, 2, 1, ceil_mode=True, name="ceil")]
        if with_dilation:
            out.append(Sample(randn(rng, (1, 1) + sp, dt), 2, 1, 1, 2, name="dilated"))
        return out
    return samples


def pad_samples(rng, dt):
    return [Sample(randn(rng, (2, 3, 4), dt), [1, 2], name="last"),
            Sample(randn(rng, (2, 3, 4), dt), [1, -1, 0, 2], 1.5, name="crop"),
            Sample(randn(rng, (2, 3), dt), (2, 0, 1, 1), name="two")]


def pad_errors(rng):
    return [ErrorSample((randn(rng, (2, 3), "float32"), [1, 1, 1])),
            ErrorSample((randn(rng, (2, 3), "float32"), [-3, -1]))]


def adaptive_samples(rng, dt):
    return [Sample(randn(rng, (1, 2, 7), dt), 3), Sample(randn(rng, (2, 5), dt), 5),
            Sample(randn(rng, (1, 2, 3), dt), 4)]


WIDE = FLOATS + HALFS + ("int64",)  # torch's CPU kernels also take these

OPS = [
    OpInfo("conv1d", lambda L, *a, **k: L.conv1d(*a, **k), _conv_samples(1),
           errors=_conv_errors(1), dtypes=WIDE),
    OpInfo("conv2d", lambda L, *a, **k: L.conv2d(*a, **k), _conv_samples(2),
           errors=_conv_errors(2), dtypes=WIDE),
    OpInfo("conv3d", lambda L, *a, **k: L.conv3d(*a, **k), _conv_samples(3),
           errors=_conv_errors(3), dtypes=WIDE),
    OpInfo("conv_transpose1d", lambda L, *a, **k: L.conv_transpose1d(*a, **k),
           _convt_samples(1)),
    OpInfo("conv_transpose2d", lambda L, *a, **k: L.conv_transpose2d(*a, **k),
           _convt_samples(2)),
    OpInfo("conv_transpose3d", lambda L, *a, **k: L.conv_transpose3d(*a, **k),
           _convt_samples(3)),
    OpInfo("convolution", lambda L, *a: L.convolution(*a), convolution_samples),
    OpInfo("max_pool1d", lambda L, *a, **k: L.max_pool1d(*a, **k), _pool_samples(1)),
    OpInfo("max_pool1d_with_indices", lambda L, *a, **k: L.max_pool1d_with_indices(*a, **k),
           _pool_samples(1)),
    OpInfo("max_pool2d", lambda L, *a, **k: L.max_pool2d(*a, **k), _pool_samples(2),
           dtypes=WIDE),
    OpInfo("max_pool3d", lambda L, *a, **k: L.max_pool3d(*a, **k), _pool_samples(3)),
    OpInfo("avg_pool1d", lambda L, *a, **k: L.avg_pool1d(*a, **k),
           _pool_samples(1, with_dilation=False), dtypes=WIDE),
    OpInfo("adaptive_avg_pool1d", lambda L, *a: L.adaptive_avg_pool1d(*a), adaptive_samples),
    OpInfo("adaptive_max_pool1d", lambda L, *a: L.adaptive_max_pool1d(*a), adaptive_samples),
    OpInfo("constant_pad_nd", lambda L, *a: L.constant_pad_nd(*a), pad_samples,
           errors=pad_errors, dtypes=WIDE),
]
