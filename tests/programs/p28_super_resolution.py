# Super-resolution (ESPCN-style) with PixelShuffle, and upsampling comparisons.
# conformance: rtol=1e-3 atol=1e-5
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init

rng = np.random.default_rng(28)


class SuperResolutionNet(nn.Module):
    def __init__(self, upscale_factor, inplace=False):
        super(SuperResolutionNet, self).__init__()
        self.relu = nn.ReLU(inplace=inplace)
        self.conv1 = nn.Conv2d(1, 8, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(8, 8, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(8, 4, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(4, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        for m in [self.conv1, self.conv2, self.conv3, self.conv4]:
            with torch.no_grad():
                m.weight.copy_(torch.tensor(rng.normal(0, 0.2, tuple(m.weight.shape)),
                                            dtype=torch.float32))
                m.bias.copy_(torch.tensor(rng.normal(0, 0.05, tuple(m.bias.shape)),
                                          dtype=torch.float32))


torch_model = SuperResolutionNet(upscale_factor=3)
print(torch_model)
torch_model.eval()
x = torch.tensor(rng.random((1, 1, 6, 6)), dtype=torch.float32)
with torch.no_grad():
    torch_out = torch_model(x)
print(torch_out.shape, torch_out.mean().item() > -10)
print(torch_out[0, 0, :3, :3].round(decimals=4))

# train a few steps against a bicubic target
target = F.interpolate(x, scale_factor=3, mode="bicubic", align_corners=False)
print(target.shape, round(target.sum().item(), 4))
torch_model.train()
opt = torch.optim.Adam(torch_model.parameters(), lr=1e-2)
criterion = nn.MSELoss()
for epoch in range(3):
    opt.zero_grad()
    loss = criterion(torch_model(x), target)
    loss.backward()
    opt.step()
    psnr = 10 * torch.log10(1 / loss)
    print(f"epoch {epoch} loss {loss.item():.6f} PSNR {psnr.item():.4f} dB")

# PixelShuffle / PixelUnshuffle round trip and grad_fn
ps = nn.PixelShuffle(2)
pu = nn.PixelUnshuffle(2)
t = torch.arange(2 * 8 * 2 * 3, dtype=torch.float32).view(2, 8, 2, 3).requires_grad_()
y = ps(t)
print(y.shape, y.grad_fn.name())
print(y[0, 0])
print(torch.equal(pu(y), t), pu)
(y * torch.arange(y.numel(), dtype=torch.float32).view_as(y)).sum().backward()
print(t.grad[1, 3])

# Upsample vs interpolate
img = torch.tensor(rng.random((1, 2, 3, 4)), dtype=torch.float32)
for mode in ["nearest", "bilinear", "bicubic"]:
    kw = {} if mode == "nearest" else {"align_corners": False}
    up = nn.Upsample(scale_factor=2, mode=mode, **kw)
    a = up(img)
    b = F.interpolate(img, scale_factor=2, mode=mode, **kw)
    print(mode, up, a.shape, torch.allclose(a, b), round(a.sum().item(), 4))
up = nn.Upsample(size=(5, 7), mode="bilinear", align_corners=True)
print(up(img)[0, 1].round(decimals=4))
print(nn.UpsamplingNearest2d(scale_factor=2)(img).shape)
print(nn.UpsamplingBilinear2d(size=(4, 6))(img)[0, 0].round(decimals=4))
z = img.clone().requires_grad_()
F.interpolate(z, size=(7, 5), mode="bicubic", align_corners=True).pow(2).sum().backward()
print(z.grad.round(decimals=4))

# init helpers used in the tutorial
w = torch.empty(4, 3, 3, 3)
init.orthogonal_(w, init.calculate_gain('relu'))
print(init.calculate_gain('relu'), init.calculate_gain('leaky_relu', 0.2), w.shape)
flat = w.view(4, -1)
print((flat @ flat.t() / 2.0).round(decimals=3) + 0.0)
