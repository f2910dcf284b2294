# Grab bag of torch.nn.functional vision ops: interpolate (every mode), grid_sample (every mode
# and padding), unfold/fold, pixel_shuffle, pad modes, pooling options; shapes and values.
# conformance: rtol=1e-3 atol=1e-5
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(36)
x1 = torch.tensor(rng.random((1, 2, 5)), dtype=torch.float32)
x2 = torch.tensor(rng.random((1, 2, 4, 5)), dtype=torch.float32)
x3 = torch.tensor(rng.random((1, 1, 3, 4, 2)), dtype=torch.float32)


def show(tag, t):
    print(tag, tuple(t.shape), round(t.sum().item(), 4), t.flatten()[:6].round(decimals=4))


# interpolate, every mode
show("nearest1d", F.interpolate(x1, size=8, mode="nearest"))
show("nearest-exact1d", F.interpolate(x1, size=8, mode="nearest-exact"))
show("linear", F.interpolate(x1, scale_factor=1.7, mode="linear", align_corners=False))
show("linear-ac", F.interpolate(x1, size=3, mode="linear", align_corners=True))
show("nearest2d", F.interpolate(x2, scale_factor=(1.5, 0.6), mode="nearest"))
show("nearest-exact2d", F.interpolate(x2, size=(7, 3), mode="nearest-exact"))
show("bilinear", F.interpolate(x2, size=(3, 7), mode="bilinear", align_corners=False))
show("bilinear-ac", F.interpolate(x2, size=(6, 6), mode="bilinear", align_corners=True))
show("bilinear-aa", F.interpolate(x2, size=(2, 3), mode="bilinear", antialias=True))
show("bicubic", F.interpolate(x2, scale_factor=2, mode="bicubic", align_corners=False))
show("bicubic-ac", F.interpolate(x2, size=(5, 4), mode="bicubic", align_corners=True))
show("area", F.interpolate(x2, size=(3, 2), mode="area"))
show("nearest3d", F.interpolate(x3, scale_factor=2, mode="nearest"))
show("trilinear", F.interpolate(x3, size=(2, 5, 3), mode="trilinear", align_corners=False))
show("trilinear-ac", F.interpolate(x3, size=(4, 3, 3), mode="trilinear", align_corners=True))
show("recompute", F.interpolate(x2, scale_factor=1.3, mode="bilinear",
                                recompute_scale_factor=True))
show("noreco", F.interpolate(x2, scale_factor=1.3, mode="bilinear"))
for mode in ["nearest", "bilinear", "bicubic", "area"]:
    z = x2.clone().requires_grad_()
    y = F.interpolate(z, size=(6, 3), mode=mode)
    (y * torch.linspace(-1, 1, y.numel()).view_as(y)).sum().backward()
    print(mode, y.grad_fn.name(), z.grad[0, 1].round(decimals=4))

# grid_sample: every mode, padding mode, align_corners
grid = torch.tensor(rng.uniform(-1.3, 1.3, (1, 3, 2, 2)), dtype=torch.float32)
for mode in ["bilinear", "nearest", "bicubic"]:
    for padding_mode in ["zeros", "border", "reflection"]:
        for ac in (False, True):
            out = F.grid_sample(x2, grid, mode=mode, padding_mode=padding_mode, align_corners=ac)
            print(mode, padding_mode, ac, tuple(out.shape), out[0, 0].flatten().round(decimals=4))
g5 = torch.tensor(rng.uniform(-1, 1, (1, 2, 2, 2, 3)), dtype=torch.float32)
print(F.grid_sample(x3, g5, align_corners=False).flatten().round(decimals=4))
print(F.grid_sample(x3, g5, mode="nearest", padding_mode="border", align_corners=True)
      .flatten().round(decimals=4))
z = x2.clone().requires_grad_()
g = grid.clone().requires_grad_()
out = F.grid_sample(z, g, mode="bilinear", padding_mode="border", align_corners=False)
out.pow(2).sum().backward()
print(out.grad_fn.name(), z.grad.sum().round(decimals=4), g.grad.flatten().round(decimals=4))

# unfold / fold
inp = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).view(2, 3, 4, 5)
cols = F.unfold(inp, kernel_size=(2, 3), dilation=1, padding=1, stride=(2, 1))
print(cols.shape, cols[0, :4, :5])
back = F.fold(cols, output_size=(4, 5), kernel_size=(2, 3), padding=1, stride=(2, 1))
print(back.shape, back[1, 2])
ones = F.fold(F.unfold(torch.ones(1, 1, 4, 5), 2, stride=1), (4, 5), 2, stride=1)
print(ones[0, 0])
u = torch.nn.Unfold(kernel_size=2, dilation=2, padding=0, stride=1)
print(u, u(inp).shape)
fo = torch.nn.Fold(output_size=(3, 3), kernel_size=2)
print(fo, fo(torch.arange(16.).view(1, 4, 4))[0, 0])
# convolution via unfold (from the docs)
w = torch.tensor(rng.normal(size=(2, 3, 2, 2)), dtype=torch.float32)
inp_unf = F.unfold(inp, (2, 2))
out_unf = inp_unf.transpose(1, 2).matmul(w.view(w.size(0), -1).t()).transpose(1, 2)
out = F.fold(out_unf, (3, 4), (1, 1))
print(torch.allclose(out, F.conv2d(inp, w), atol=1e-3), out.shape)

# pixel shuffle / unshuffle
ps = F.pixel_shuffle(torch.arange(16.).view(1, 4, 2, 2), 2)
print(ps[0, 0], F.pixel_unshuffle(ps, 2).shape, torch.equal(F.pixel_unshuffle(ps, 2)[0],
                                                             torch.arange(16.).view(4, 2, 2)))
print(F.pixel_shuffle(torch.arange(18.).view(2, 9, 1, 1), 3)[1, 0])

# pad modes
small = torch.arange(12.).view(1, 1, 3, 4)
print(F.pad(small, (1, 2, 0, 1)))
print(F.pad(small, (1, 1, 1, 1), value=-1.0)[0, 0, 0])
print(F.pad(small, (2, 1, 1, 2), mode="reflect")[0, 0])
print(F.pad(small, (2, 1, 1, 2), mode="replicate")[0, 0])
print(F.pad(small, (3, 3, 2, 1), mode="circular")[0, 0])
print(F.pad(small, (-1, 1, 0, -1)))
print(F.pad(torch.arange(5.).view(1, 1, 5), (2, 3), mode="reflect"))
print(F.pad(x3, (1, 0, 0, 1, 1, 1), mode="replicate").shape)
zz = small.clone().requires_grad_()
F.pad(zz, (2, 1, 1, 2), mode="reflect").sum().backward()
print(zz.grad[0, 0])

# pooling options
p = torch.arange(1., 26.).view(1, 1, 5, 5)
print(F.avg_pool2d(p, 2, stride=2, ceil_mode=True))
print(F.avg_pool2d(p, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False))
print(F.avg_pool2d(p, 3, stride=2, padding=1, count_include_pad=True, divisor_override=2))
print(F.max_pool2d(p, 2, stride=2, ceil_mode=True))
mp, idx = F.max_pool2d(p, 3, stride=2, padding=1, return_indices=True)
print(mp, idx)
print(F.max_unpool2d(mp, idx, 3, stride=2, padding=1, output_size=p.shape[-2:])[0, 0])
am, ai = F.adaptive_max_pool2d(x2, (3, 2), return_indices=True)
print(am.round(decimals=4), ai)
print(F.adaptive_avg_pool2d(x2, (None, 2)).shape, F.adaptive_avg_pool2d(x2, 3)[0, 0]
      .round(decimals=4))
print(F.adaptive_max_pool1d(x1, 2, return_indices=True)[1])
print(F.lp_pool2d(p, 2, 2).round(decimals=3))
print(F.max_pool1d(x1, 2, ceil_mode=True).round(decimals=4), F.avg_pool1d(x1, 3, 1, 1).shape)
print(F.avg_pool3d(x3, (1, 2, 2), ceil_mode=True).round(decimals=4))
zp = p.clone().requires_grad_()
F.avg_pool2d(zp, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False).sum().backward()
print(zp.grad[0, 0].round(decimals=4))
