# CIFAR-10 tutorial style: conv-pool-conv-pool-fc Net, SGD momentum, per-class accuracy.
# conformance: rtol=2e-3 atol=1e-5
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(32)
classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)  # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()
with torch.no_grad():
    for p in net.parameters():
        fan_in = p[0].numel() if p.dim() > 1 else 10
        p.copy_(torch.tensor(rng.uniform(-1, 1, tuple(p.shape)) / np.sqrt(fan_in),
                             dtype=torch.float32))

# "transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))" written in torch
raw = torch.tensor(rng.integers(0, 256, (40, 32, 32, 3)), dtype=torch.uint8)
images = raw.permute(0, 3, 1, 2).float().div(255)
mean = torch.tensor((0.5, 0.5, 0.5)).view(3, 1, 1)
std = torch.tensor((0.5, 0.5, 0.5)).view(3, 1, 1)
images = (images - mean) / std
targets = torch.tensor(rng.integers(0, 10, 40))
print(images.shape, images.dtype, images.min().item(), images.max().item())
trainset = TensorDataset(images[:32], targets[:32])
testset = TensorDataset(images[32:], targets[32:])
trainloader = DataLoader(trainset, batch_size=4, shuffle=False, num_workers=0)
testloader = DataLoader(testset, batch_size=4, shuffle=False)

dataiter = iter(trainloader)
imgs, labels = next(dataiter)
print(' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))
img = imgs[0] / 2 + 0.5
npimg = img.numpy()
print(np.transpose(npimg, (1, 2, 0)).shape, npimg.dtype)

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
for epoch in range(2):
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, labels = data
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if i % 4 == 3:
            print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 4:.4f}')
            running_loss = 0.0
print('Finished Training')

PATH = './cifar_net.pth'
torch.save(net.state_dict(), PATH)
net2 = Net()
print(net2.load_state_dict(torch.load(PATH, weights_only=True)))

outputs = net2(imgs)
_, predicted = torch.max(outputs, 1)
print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}' for j in range(4)))
correct = 0
total = 0
with torch.no_grad():
    for data in testloader:
        images_, labels = data
        outputs = net2(images_)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
print(f'Accuracy of the network on the {total} test images: {100 * correct // total} %')

correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}
with torch.no_grad():
    for data in trainloader:
        images_, labels = data
        outputs = net2(images_)
        _, predictions = torch.max(outputs, 1)
        for label, prediction in zip(labels, predictions):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1
for classname, correct_count in correct_pred.items():
    if total_pred[classname]:
        accuracy = 100 * float(correct_count) / total_pred[classname]
        print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')
vals, idx = torch.max(outputs, dim=1, keepdim=True)
print(vals.shape, idx.dtype, outputs.argmax(1).tolist() == idx.view(-1).tolist())
print(torch.max(outputs, 1).indices.tolist(), type(torch.max(outputs, 1)).__name__)
