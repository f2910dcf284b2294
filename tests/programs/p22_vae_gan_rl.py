# VAE (reparameterization), GAN step (two optimizers, detach), REINFORCE with Categorical.
# conformance: rtol=1e-3 atol=1e-5
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

rng = np.random.default_rng(22)


def init_(m, scale=0.3):
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.tensor(rng.normal(0, scale, tuple(p.shape)), dtype=torch.float32))
    return m


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(16, 8)
        self.fc21 = nn.Linear(8, 2)
        self.fc22 = nn.Linear(8, 2)
        self.fc3 = nn.Linear(2, 8)
        self.fc4 = nn.Linear(8, 16)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, eps):
        std = torch.exp(0.5 * logvar)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x, eps):
        mu, logvar = self.encode(x.view(-1, 16))
        z = self.reparameterize(mu, logvar, eps)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 16), reduction='sum')
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


vae = init_(VAE())
opt = optim.Adam(vae.parameters(), lr=1e-2)
x = torch.tensor(rng.uniform(0, 1, (6, 1, 4, 4)), dtype=torch.float32)
for epoch in range(3):
    eps = torch.tensor(rng.standard_normal((6, 2)), dtype=torch.float32)
    opt.zero_grad()
    recon, mu, logvar = vae(x, eps)
    loss = loss_function(recon, x, mu, logvar)
    loss.backward()
    opt.step()
    print('====> Epoch: {} Average loss: {:.4f}'.format(epoch, loss.item() / len(x)))
with torch.no_grad():
    sample = vae.decode(torch.tensor(rng.standard_normal((2, 2)), dtype=torch.float32))
    print(sample.view(2, 1, 4, 4).shape, sample.min() >= 0)

# GAN
netG = init_(nn.Sequential(nn.ConvTranspose2d(3, 4, 4, 1, 0, bias=False), nn.BatchNorm2d(4), nn.ReLU(True),
                           nn.ConvTranspose2d(4, 1, 4, 2, 1, bias=False), nn.Tanh()))
netD = init_(nn.Sequential(nn.Conv2d(1, 4, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
                           nn.Conv2d(4, 1, 4, 1, 0, bias=False), nn.Sigmoid()))
print(netG)
criterion = nn.BCELoss()
optimizerD = optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
real = torch.tensor(rng.uniform(-1, 1, (4, 1, 8, 8)), dtype=torch.float32)
real_label, fake_label = 1., 0.
for i in range(2):
    netD.zero_grad()
    label = torch.full((4,), real_label, dtype=torch.float)
    output = netD(real).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = output.mean().item()
    noise = torch.tensor(rng.standard_normal((4, 3, 1, 1)), dtype=torch.float32)
    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    D_G_z1 = output.mean().item()
    errD = errD_real + errD_fake
    optimizerD.step()
    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = output.mean().item()
    optimizerG.step()
    print('[%d/%d]\tLoss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f / %.4f'
          % (i, 2, errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
print(fake.shape, fake.grad_fn.name(), netG[1].running_mean)

# REINFORCE
class Policy(nn.Module):
    def __init__(self):
        super(Policy, self).__init__()
        self.affine1 = nn.Linear(4, 8)
        self.dropout = nn.Dropout(p=0.0)
        self.affine2 = nn.Linear(8, 2)
        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = self.affine1(x)
        x = self.dropout(x)
        x = F.relu(x)
        action_scores = self.affine2(x)
        return F.softmax(action_scores, dim=1)


policy = init_(Policy())
optimizer = optim.Adam(policy.parameters(), lr=1e-2)
eps = np.finfo(np.float32).eps.item()
gamma = 0.99
for t in range(5):
    state = rng.standard_normal(4)
    state = torch.from_numpy(state).float().unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    action = torch.tensor([t % 2])
    policy.saved_log_probs.append(m.log_prob(action))
    policy.rewards.append(float(t % 3))
R = 0
policy_loss = []
returns = []
for r in policy.rewards[::-1]:
    R = r + gamma * R
    returns.insert(0, R)
returns = torch.tensor(returns)
returns = (returns - returns.mean()) / (returns.std() + eps)
for log_prob, R in zip(policy.saved_log_probs, returns):
    policy_loss.append(-log_prob * R)
optimizer.zero_grad()
policy_loss = torch.cat(policy_loss).sum()
policy_loss.backward()
optimizer.step()
print(returns, policy_loss, m.entropy(), m.probs.shape)
del policy.rewards[:]
del policy.saved_log_probs[:]
print(len(policy.rewards))
