# Char-RNN name classification (tutorial style): one-hot letter tensors, nn.RNN, topk.
# conformance: rtol=2e-3 atol=1e-5
import string
import unicodedata

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(35)
all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)


def unicodeToAscii(s):
    return ''.join(
        c for c in unicodedata.normalize('NFD', s)
        if unicodedata.category(c) != 'Mn'
        and c in all_letters
    )


print(unicodeToAscii('Ślusàrski'), n_letters)


def letterToIndex(letter):
    return all_letters.find(letter)


def letterToTensor(letter):
    tensor = torch.zeros(1, n_letters)
    tensor[0][letterToIndex(letter)] = 1
    return tensor


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


print(letterToTensor('J').nonzero())
print(lineToTensor('Jones').size(), lineToTensor('Jones').sum(dim=(1, 2)))

category_lines = {
    'English': ['Smith', 'Jones', 'Taylor', 'Brown'],
    'French': ['Dubois', 'Lefevre', 'Moreau'],
    'Japanese': ['Sato', 'Suzuki', 'Takahashi'],
    'Polish': [unicodeToAscii('Ślusàrski'), 'Nowak', 'Kowalski'],
}
all_categories = list(category_lines)
n_categories = len(all_categories)


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(CharRNN, self).__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        rnn_out, hidden = self.rnn(line_tensor)
        output = self.h2o(hidden[0])
        output = self.softmax(output)
        return output


class OldRNN(nn.Module):
    """The original tutorial's hand-written cell: i2h over cat(input, hidden)."""

    def __init__(self, input_size, hidden_size, output_size):
        super(OldRNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = F.tanh(self.i2h(combined))
        output = self.softmax(self.h2o(hidden))
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


n_hidden = 16
rnn = CharRNN(n_letters, n_hidden, n_categories)
old = OldRNN(n_letters, n_hidden, n_categories)
for m in (rnn, old):
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.tensor(rng.uniform(-0.25, 0.25, tuple(p.shape)), dtype=torch.float32))
print(rnn)


def categoryFromOutput(output):
    top_n, top_i = output.topk(1)
    category_i = top_i[0].item()
    return all_categories[category_i], category_i


input = lineToTensor('Albert')
output = rnn(input)
print(output.round(decimals=4), categoryFromOutput(output))

criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(rnn.parameters(), lr=0.05)
pairs = [(c, n) for c in all_categories for n in category_lines[c]]
for epoch in range(3):
    current_loss = 0
    for category, line in pairs:
        category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
        line_tensor = lineToTensor(line)
        output = rnn(line_tensor)
        loss = criterion(output, category_tensor)
        loss.backward()
        nn.utils.clip_grad_norm_(rnn.parameters(), 3)
        optimizer.step()
        optimizer.zero_grad()
        current_loss += loss.item()
    print(f"epoch {epoch} average loss {current_loss / len(pairs):.5f}")

# old-style manual training loop with p.data.add_
learning_rate = 0.005
for category, line in pairs[:4]:
    category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
    line_tensor = lineToTensor(line)
    hidden = old.initHidden()
    old.zero_grad()
    for i in range(line_tensor.size()[0]):
        output, hidden = old(line_tensor[i], hidden)
    loss = criterion(output, category_tensor)
    loss.backward()
    for p in old.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    print(category, line, round(loss.item(), 5), categoryFromOutput(output))

confusion = torch.zeros(n_categories, n_categories)
with torch.no_grad():
    for category, line in pairs:
        output = rnn(lineToTensor(line))
        guess, guess_i = categoryFromOutput(output)
        confusion[all_categories.index(category)][guess_i] += 1
for i in range(n_categories):
    confusion[i] = confusion[i] / confusion[i].sum()
print(confusion.round(decimals=3))


def predict(input_line, n_predictions=3):
    print('\n> %s' % input_line)
    with torch.no_grad():
        output = rnn(lineToTensor(input_line))
        topv, topi = output.topk(n_predictions, 1, True)
        predictions = []
        for i in range(n_predictions):
            value = topv[0][i].item()
            category_index = topi[0][i].item()
            print('(%.2f) %s' % (value, all_categories[category_index]))
            predictions.append([value, all_categories[category_index]])


predict('Dovesky')
predict('Jackson')
predict('Satoshi')
# batched, padded names through nn.RNN with pack_padded_sequence
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
names = ['Sato', 'Kowalski', 'Li']
seqs = [lineToTensor(n).squeeze(1) for n in names]
lengths = torch.tensor([len(n) for n in names])
padded = pad_sequence(seqs)
packed = pack_padded_sequence(padded, lengths, enforce_sorted=False)
out, h = rnn.rnn(packed)
unpacked, lens = pad_packed_sequence(out)
print(padded.shape, packed.batch_sizes.tolist(), unpacked.shape, lens.tolist())
print(F.log_softmax(rnn.h2o(h[0]), dim=1).argmax(1).tolist())
single = torch.stack([rnn(lineToTensor(n))[0] for n in names])
print(torch.allclose(single, F.log_softmax(rnn.h2o(h[0]), dim=1), atol=1e-6))
