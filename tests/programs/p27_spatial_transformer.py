# Spatial transformer network (tutorial style): localization net, affine_grid + grid_sample.
# conformance: rtol=1e-3 atol=1e-5
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

rng = np.random.default_rng(27)


def init_(m, scale=0.2):
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(torch.tensor(rng.normal(0, scale, tuple(p.shape)), dtype=torch.float32))
    return m


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 4, kernel_size=5)
        self.conv2 = nn.Conv2d(4, 6, kernel_size=3)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(6 * 3 * 3, 16)
        self.fc2 = nn.Linear(16, 10)
        # Spatial transformer localization-network
        self.localization = nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(4, 5, kernel_size=3),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True)
        )
        self.fc_loc = nn.Sequential(
            nn.Linear(5 * 3 * 3, 8),
            nn.ReLU(True),
            nn.Linear(8, 3 * 2)
        )

    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 5 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)
        grid = F.affine_grid(theta, x.size(), align_corners=False)
        x = F.grid_sample(x, grid, align_corners=False)
        return x

    def forward(self, x):
        x = self.stn(x)
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 6 * 3 * 3)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=False)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


model = init_(Net())
# Initialize the weights/bias with identity transformation, as in the tutorial, then perturb
model.fc_loc[2].weight.data.zero_()
model.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))
with torch.no_grad():
    model.fc_loc[2].weight.add_(torch.tensor(rng.normal(0, 0.05, (6, 8)), dtype=torch.float))
model.conv2_drop.eval()
print(model.localization)
print(model.fc_loc[2].bias)

data = torch.tensor(rng.random((4, 1, 20, 20)), dtype=torch.float32)
target = torch.tensor([1, 3, 5, 7])
optimizer = optim.SGD(model.parameters(), lr=0.05)

model.train()
model.conv2_drop.eval()
for step in range(3):
    optimizer.zero_grad()
    output = model(data)
    loss = F.nll_loss(output, target)
    loss.backward()
    gn = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
    loc_gn = model.fc_loc[2].weight.grad.norm()
    optimizer.step()
    print(f"step {step} loss {loss.item():.5f} grad_norm {gn.item():.5f} loc {loc_gn.item():.6f}")

model.eval()
with torch.no_grad():
    out = model(data)
    pred = out.max(1, keepdim=True)[1]
    print("pred", pred.view(-1).tolist())
    correct = pred.eq(target.view_as(pred)).sum().item()
    test_loss = F.nll_loss(out, target, reduction='sum').item()
    print('Average loss: {:.4f}, Accuracy: {}/{}'.format(test_loss / 4, correct, 4))
    transformed = model.stn(data[:2]).cpu()
    print(transformed.shape, transformed.dtype, round(transformed.sum().item(), 4))

# the affine grid itself
theta = torch.tensor([[[0.9, -0.2, 0.1], [0.15, 1.1, -0.05]]])
grid = F.affine_grid(theta, torch.Size((1, 1, 3, 4)), align_corners=False)
print(grid.shape)
print(grid.round(decimals=4))
grid2 = F.affine_grid(theta, [1, 2, 2, 3], align_corners=True)
print(grid2.round(decimals=4))
th = theta.clone().requires_grad_(True)
img = torch.arange(24.).view(1, 2, 3, 4)
out = F.grid_sample(img, F.affine_grid(th, img.size(), align_corners=False), align_corners=False)
out.sum().backward()
print(out.grad_fn.name())
print(out.round(decimals=3))
print(th.grad.round(decimals=4))
