# Neural style transfer core: feature extractor, gram matrices, content/style losses, LBFGS on
# the input image (closure), as in the PyTorch tutorial.
# conformance: rtol=2e-3 atol=1e-5
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

rng = np.random.default_rng(29)


def rand(*shape, scale=1.0):
    return torch.tensor(rng.random(shape) * scale, dtype=torch.float32)


class ContentLoss(nn.Module):
    def __init__(self, target,):
        super(ContentLoss, self).__init__()
        self.target = target.detach()

    def forward(self, input):
        self.loss = F.mse_loss(input, self.target)
        return input


def gram_matrix(input):
    a, b, c, d = input.size()
    features = input.view(a * b, c * d)
    G = torch.mm(features, features.t())
    return G.div(a * b * c * d)


class StyleLoss(nn.Module):
    def __init__(self, target_feature):
        super(StyleLoss, self).__init__()
        self.target = gram_matrix(target_feature).detach()

    def forward(self, input):
        G = gram_matrix(input)
        self.loss = F.mse_loss(G, self.target)
        return input


class Normalization(nn.Module):
    def __init__(self, mean, std):
        super(Normalization, self).__init__()
        self.mean = torch.tensor(mean).view(-1, 1, 1)
        self.std = torch.tensor(std).view(-1, 1, 1)

    def forward(self, img):
        return (img - self.mean) / self.std


cnn = nn.Sequential(
    nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(inplace=True),
    nn.Conv2d(6, 6, 3, padding=1), nn.ReLU(inplace=True),
    nn.MaxPool2d(2),
    nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(inplace=True),
    nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(inplace=True),
).eval()
with torch.no_grad():
    for p in cnn.parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.3, tuple(p.shape)), dtype=torch.float32))
for p in cnn.parameters():
    p.requires_grad_(False)

cnn_normalization_mean = [0.485, 0.456, 0.406]
cnn_normalization_std = [0.229, 0.224, 0.225]
content_layers_default = ['conv_4']
style_layers_default = ['conv_1', 'conv_2', 'conv_3', 'conv_4']


def get_style_model_and_losses(cnn, normalization_mean, normalization_std, style_img,
                               content_img, content_layers=content_layers_default,
                               style_layers=style_layers_default):
    normalization = Normalization(normalization_mean, normalization_std)
    content_losses = []
    style_losses = []
    model = nn.Sequential(normalization)
    i = 0
    for layer in cnn.children():
        if isinstance(layer, nn.Conv2d):
            i += 1
            name = 'conv_{}'.format(i)
        elif isinstance(layer, nn.ReLU):
            name = 'relu_{}'.format(i)
            layer = nn.ReLU(inplace=False)
        elif isinstance(layer, nn.MaxPool2d):
            name = 'pool_{}'.format(i)
        elif isinstance(layer, nn.BatchNorm2d):
            name = 'bn_{}'.format(i)
        else:
            raise RuntimeError('Unrecognized layer: {}'.format(layer.__class__.__name__))
        model.add_module(name, layer)
        if name in content_layers:
            target = model(content_img).detach()
            content_loss = ContentLoss(target)
            model.add_module("content_loss_{}".format(i), content_loss)
            content_losses.append(content_loss)
        if name in style_layers:
            target_feature = model(style_img).detach()
            style_loss = StyleLoss(target_feature)
            model.add_module("style_loss_{}".format(i), style_loss)
            style_losses.append(style_loss)
    for i in range(len(model) - 1, -1, -1):
        if isinstance(model[i], ContentLoss) or isinstance(model[i], StyleLoss):
            break
    model = model[:(i + 1)]
    return model, style_losses, content_losses


style_img = rand(1, 3, 12, 12)
content_img = rand(1, 3, 12, 12)
input_img = content_img.clone()
assert style_img.size() == content_img.size()

model, style_losses, content_losses = get_style_model_and_losses(
    cnn, cnn_normalization_mean, cnn_normalization_std, style_img, content_img)
print(model)
print(len(style_losses), len(content_losses))
print(gram_matrix(style_img).round(decimals=4))

input_img.requires_grad_(True)
model.eval()
model.requires_grad_(False)
optimizer = optim.LBFGS([input_img])
print(optimizer)

style_weight, content_weight = 1000, 1
run = [0]
history = []
while run[0] <= 6:
    def closure():
        with torch.no_grad():
            input_img.clamp_(0, 1)
        optimizer.zero_grad()
        model(input_img)
        style_score = 0
        content_score = 0
        for sl in style_losses:
            style_score += sl.loss
        for cl in content_losses:
            content_score += cl.loss
        style_score *= style_weight
        content_score *= content_weight
        loss = style_score + content_score
        loss.backward()
        run[0] += 1
        history.append((style_score.item(), content_score.item()))
        return style_score + content_score

    ret = optimizer.step(closure)
    print("step returned", type(ret).__name__, round(ret.item(), 5))

with torch.no_grad():
    input_img.clamp_(0, 1)
print("closure calls", run[0])
for k, (s, c) in enumerate(history[:5]):
    print(f"run {k}: Style Loss : {s:.5f} Content Loss: {c:.5f}")
print(round(input_img.sum().item(), 3), input_img.requires_grad, input_img.grad is not None)
print(sorted(optimizer.state_dict()['state'][0].keys()))
lbfgs_state = optimizer.state_dict()['state'][0]
print(lbfgs_state['func_evals'], lbfgs_state['n_iter'])

# LBFGS with strong wolfe on a tiny problem
x = torch.tensor([1.5, -0.5], requires_grad=True)
opt = optim.LBFGS([x], lr=1, max_iter=20, line_search_fn="strong_wolfe")


def rosen():
    opt.zero_grad()
    f = (1 - x[0]) ** 2 + 10 * (x[1] - x[0] ** 2) ** 2
    f.backward()
    return f


for _ in range(3):
    f = opt.step(rosen)
    print(round(f.item(), 5), x.detach().round(decimals=4))
for m in style_losses + content_losses:
    del m.loss
model2 = copy.deepcopy(model)
print(type(model2[1]).__name__, model2[2].target.shape)
