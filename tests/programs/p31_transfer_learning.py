# Transfer learning (finetuning / fixed feature extractor) with a small ResNet-like model.
# conformance: rtol=2e-3 atol=1e-5
import copy
import time

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim import lr_scheduler

rng = np.random.default_rng(31)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class TinyResNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = nn.Sequential(BasicBlock(8, 8))
        down = nn.Sequential(nn.Conv2d(8, 16, 1, 2, bias=False), nn.BatchNorm2d(16))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2, down))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def det_init(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                p.copy_(torch.tensor(rng.normal(0, 0.25, tuple(p.shape)), dtype=torch.float32))
            elif name.endswith("bias"):
                p.zero_()
    return model


data = {x: torch.tensor(rng.random((8, 3, 12, 12)), dtype=torch.float32) for x in ['train', 'val']}
labels = {x: torch.tensor(rng.integers(0, 2, 8)) for x in ['train', 'val']}
dataloaders = {x: [(data[x][i:i + 4], labels[x][i:i + 4]) for i in (0, 4)]
               for x in ['train', 'val']}
dataset_sizes = {x: 8 for x in ['train', 'val']}
class_names = ['ants', 'bees']


def train_model(model, criterion, optimizer, scheduler, num_epochs=3):
    since = time.time()
    best_model_wts = copy.deepcopy(model.state_dict())
    best_acc = 0.0
    for epoch in range(num_epochs):
        print(f'Epoch {epoch}/{num_epochs - 1}')
        print('-' * 10)
        for phase in ['train', 'val']:
            if phase == 'train':
                model.train()
            else:
                model.eval()
            running_loss = 0.0
            running_corrects = 0
            for inputs, labels_ in dataloaders[phase]:
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == 'train'):
                    outputs = model(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels_)
                    if phase == 'train':
                        loss.backward()
                        optimizer.step()
                running_loss += loss.item() * inputs.size(0)
                running_corrects += torch.sum(preds == labels_.data)
            if phase == 'train':
                scheduler.step()
            epoch_loss = running_loss / dataset_sizes[phase]
            epoch_acc = running_corrects.double() / dataset_sizes[phase]
            print(f'{phase} Loss: {epoch_loss:.4f} Acc: {epoch_acc:.4f} lr '
                  f'{scheduler.get_last_lr()[0]:.5f} {epoch_acc.dtype}')
            if phase == 'val' and epoch_acc >= best_acc:
                best_acc = epoch_acc
                best_model_wts = copy.deepcopy(model.state_dict())
        print()
    time_elapsed = time.time() - since
    assert time_elapsed >= 0
    print(f'Best val Acc: {best_acc:4f}')
    model.load_state_dict(best_model_wts)
    return model


# Finetuning the whole network
model_ft = det_init(TinyResNet())
num_ftrs = model_ft.fc.in_features
model_ft.fc = nn.Linear(num_ftrs, len(class_names))
det_init(model_ft.fc)
criterion = nn.CrossEntropyLoss()
optimizer_ft = optim.SGD(model_ft.parameters(), lr=0.01, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_ft, step_size=2, gamma=0.1)
model_ft = train_model(model_ft, criterion, optimizer_ft, exp_lr_scheduler, num_epochs=3)

# ConvNet as fixed feature extractor
model_conv = det_init(TinyResNet())
for param in model_conv.parameters():
    param.requires_grad = False
num_ftrs = model_conv.fc.in_features
model_conv.fc = nn.Linear(num_ftrs, 2)
det_init(model_conv.fc)
print([n for n, p in model_conv.named_parameters() if p.requires_grad])
print(sum(p.numel() for p in model_conv.parameters() if not p.requires_grad))
optimizer_conv = optim.SGD(model_conv.fc.parameters(), lr=0.01, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer_conv, step_size=1, gamma=0.5)
before = model_conv.layer1[0].conv1.weight.clone()
model_conv = train_model(model_conv, criterion, optimizer_conv, exp_lr_scheduler, num_epochs=2)
print(torch.equal(before, model_conv.layer1[0].conv1.weight),
      model_conv.layer1[0].conv1.weight.grad is None)

# visualize_model-style inference
was_training = model_conv.training
model_conv.eval()
with torch.no_grad():
    outputs = model_conv(data['val'][:4])
    _, preds = torch.max(outputs, 1)
    for j in range(4):
        print(f'predicted: {class_names[preds[j]]}', outputs[j].round(decimals=4))
model_conv.train(mode=was_training)
sd = model_conv.state_dict()
print(len(sd), list(sd)[:6], sd['bn1.num_batches_tracked'])
print(model_conv.layer2[0].downsample)
