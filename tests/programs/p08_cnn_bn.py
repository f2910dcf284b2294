# CNN with BatchNorm/Dropout, train/eval behavior.
# conformance: rtol=1e-3 atol=1e-5
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(8)


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(4, 6, kernel_size=3, stride=1, padding="same", bias=False)
        self.bn2 = nn.BatchNorm2d(6, momentum=0.2)
        self.gap = nn.AdaptiveAvgPool2d((1, 1))
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = F.relu(self.bn2(self.conv2(x)))
        x = torch.flatten(self.gap(x), 1)
        x = self.drop(x)
        return self.fc(x)


net = ConvNet()
with torch.no_grad():
    for name, p in net.named_parameters():
        p.copy_(torch.tensor(rng.uniform(-0.4, 0.4, tuple(p.shape)), dtype=torch.float32))
print(net)
x = torch.tensor(rng.standard_normal((4, 1, 8, 8)), dtype=torch.float32)
y = torch.tensor([0, 1, 2, 1])
net.eval()
with torch.no_grad():
    e1 = net(x)
    e2 = net(x)
print(e1, torch.equal(e1, e2))
print(net.bn1.running_mean, net.bn1.num_batches_tracked)
net.train()
net.drop.p = 0.0
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
for step in range(3):
    opt.zero_grad()
    out = net(x)
    loss = F.cross_entropy(out, y)
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 5))
print(net.bn1.running_mean, net.bn1.running_var, net.bn2.num_batches_tracked)
print(net.conv1.weight.grad.shape, net.conv2.bias, out.grad_fn.name())
net.eval()
print(net(x).argmax(1), net.training, net.drop.training)
print(F.max_pool2d(x, 2).shape, F.avg_pool2d(x, 2, stride=1).shape, F.adaptive_max_pool2d(x, 3).shape)
print(nn.Conv2d(3, 8, 5, stride=2, padding=2)(torch.zeros(1, 3, 16, 16)).shape)
print(nn.ConvTranspose2d(2, 1, 2, stride=2)(torch.zeros(1, 2, 4, 4)).shape, nn.Conv1d(2, 3, 3)(torch.zeros(2, 2, 10)).shape)
bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
print(bn(torch.tensor([[1., 2., 3.], [3., 2., 1.]])), bn)
ln = nn.LayerNorm(4)
print(ln(torch.arange(8.).view(2, 4)), ln.weight.shape, ln)
gn = nn.GroupNorm(2, 4)
print(gn(torch.arange(16.).view(1, 4, 2, 2)).sum(), gn)
d = nn.Dropout(0.3)
d.eval()
print(d(torch.ones(3)), d)
print(nn.Dropout2d(0.5).eval()(torch.ones(1, 2, 2, 2)).sum())
torch.manual_seed(0)
a = F.dropout(torch.ones(1000), 0.5, training=True)
torch.manual_seed(0)
b = F.dropout(torch.ones(1000), 0.5, training=True)
print(torch.equal(a, b), set(a.unique().tolist()) <= {0.0, 2.0}, 350 < int((a == 0).sum()) < 650)
print(nn.Upsample(scale_factor=2, mode="nearest")(torch.arange(4.).view(1, 1, 2, 2)))
print(F.interpolate(torch.arange(4.).view(1, 1, 2, 2), size=(3, 3), mode="bilinear", align_corners=False))
print(F.pad(torch.ones(1, 1, 2, 2), (1, 1, 0, 1)).shape, F.pad(torch.arange(3.).view(1, 1, 3), (2, 2), mode="reflect"))
print(nn.Conv2d(4, 4, 3, groups=2).weight.shape, nn.Conv2d(1, 1, 3, dilation=2)(torch.zeros(1, 1, 7, 7)).shape)
