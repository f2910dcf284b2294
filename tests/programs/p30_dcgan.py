# DCGAN (tutorial style): ConvTranspose2d generator, conv discriminator, BatchNorm, LeakyReLU,
# BCELoss, two Adam optimizers, detach patterns, weights_init via apply().
# conformance: rtol=2e-3 atol=1e-5
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

rng = np.random.default_rng(30)
nc, nz, ngf, ndf = 3, 8, 4, 4


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        with torch.no_grad():
            m.weight.copy_(torch.tensor(rng.normal(0.0, 0.1, tuple(m.weight.shape)),
                                        dtype=torch.float32))
    elif classname.find('BatchNorm') != -1:
        with torch.no_grad():
            m.weight.copy_(torch.tensor(rng.normal(1.0, 0.02, tuple(m.weight.shape)),
                                        dtype=torch.float32))
        nn.init.constant_(m.bias.data, 0)


class Generator(nn.Module):
    def __init__(self, ngpu):
        super(Generator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
            nn.Tanh()
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self, ngpu):
        super(Discriminator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        return self.main(input)


netG = Generator(0)
netG.apply(weights_init)
netD = Discriminator(0)
netD.apply(weights_init)
print(netG)
print(netD)
criterion = nn.BCELoss()
fixed_noise = torch.tensor(rng.normal(size=(4, nz, 1, 1)), dtype=torch.float32)
real_label = 1.
fake_label = 0.
optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))

G_losses, D_losses = [], []
b_size = 6
for i in range(3):
    real_cpu = torch.tensor(rng.uniform(-1, 1, (b_size, nc, 16, 16)), dtype=torch.float32)
    noise = torch.tensor(rng.normal(size=(b_size, nz, 1, 1)), dtype=torch.float32)
    # (1) Update D network
    netD.zero_grad()
    label = torch.full((b_size,), real_label, dtype=torch.float)
    output = netD(real_cpu).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = output.mean().item()
    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    D_G_z1 = output.mean().item()
    errD = errD_real + errD_fake
    optimizerD.step()
    # (2) Update G network
    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = output.mean().item()
    optimizerG.step()
    print('[%d/%d]\tLoss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f / %.4f'
          % (i, 3, errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
    G_losses.append(errG.item())
    D_losses.append(errD.item())

print(fake.shape, fake.grad_fn.name())
with torch.no_grad():
    fake = netG(fixed_noise).detach().cpu()
print(fake.shape, round(fake.abs().mean().item(), 5))
netG.eval()
with torch.no_grad():
    ev = netG(fixed_noise)
print(round(ev.std().item(), 5), netG.main[1].num_batches_tracked.item())
print(netG.main[1].running_mean.round(decimals=5))
print(netD.main[3].running_var.round(decimals=5))
print([round(v, 4) for v in G_losses], [round(v, 4) for v in D_losses])
print(optimizerD.state_dict()['param_groups'][0]['betas'], len(optimizerG.state))
st = optimizerG.state[netG.main[0].weight]
print(st['step'], st['exp_avg'].shape, round(st['exp_avg_sq'].sum().item() * 1e6, 4))

# ConvTranspose2d odds: output_padding, groups, dilation, output_size
ct = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=1)
with torch.no_grad():
    for p in ct.parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.3, tuple(p.shape)), dtype=torch.float32))
x = torch.tensor(rng.normal(size=(1, 4, 3, 3)), dtype=torch.float32, requires_grad=True)
y = ct(x)
print(ct, y.shape, y.grad_fn.name())
print(ct(x, output_size=[5, 5]).shape)
y.sum().backward()
print(x.grad[0, 0].round(decimals=4), ct.weight.grad.shape)
