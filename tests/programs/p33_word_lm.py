# Word-level language model (examples/word_language_model style): Embedding + 2-layer LSTM,
# tied weights, repackage_hidden, clip_grad_norm_, perplexity.
# conformance: rtol=2e-3 atol=1e-5
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(33)


class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


text = ("the quick brown fox jumps over the lazy dog <eos> the dog sleeps <eos> "
        "a fox runs over a dog and the dog runs <eos> the end <eos>") * 3
dictionary = Dictionary()
ids = torch.tensor([dictionary.add_word(w) for w in text.split()], dtype=torch.int64)
ntokens = len(dictionary)
print(ntokens, ids.shape, ids[:10].tolist())


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    data = data.view(bsz, -1).t().contiguous()
    return data


train_data = batchify(ids, 4)
print(train_data.shape, train_data.is_contiguous())
bptt = 6


def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.0, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ['LSTM', 'GRU']:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            nonlinearity = {'RNN_TANH': 'tanh', 'RNN_RELU': 'relu'}[rnn_type]
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            if nhid != ninp:
                raise ValueError('When using the tied flag, nhid must be equal to emsize')
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))
        nn.init.zeros_(self.decoder.bias)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == 'LSTM':
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        else:
            return weight.new_zeros(self.nlayers, bsz, self.nhid)


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    else:
        return tuple(repackage_hidden(v) for v in h)


criterion = nn.NLLLoss()
for rnn_type in ['LSTM', 'GRU', 'RNN_TANH']:
    model = RNNModel(rnn_type, ntokens, 12, 12, 2, dropout=0.0, tie_weights=True)
    print(model.rnn, model.decoder.weight is model.encoder.weight,
          len(list(model.parameters())))
    lr = 2.0
    clip = 0.25
    model.train()
    hidden = model.init_hidden(4)
    total_loss = 0.
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data, targets = get_batch(train_data, i)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        total_loss += loss.item()
        if batch % 2 == 1:
            cur_loss = total_loss / 2
            print('| {:5d}/{:5d} batches | lr {:02.2f} | loss {:5.3f} | ppl {:8.3f} | norm {:.4f}'
                  .format(batch, len(train_data) // bptt, lr, cur_loss, math.exp(cur_loss),
                          total_norm.item()))
            total_loss = 0
    model.eval()
    total_loss = 0.
    hidden = model.init_hidden(4)
    with torch.no_grad():
        for i in range(0, train_data.size(0) - 1, bptt):
            data, targets = get_batch(train_data, i)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    val_loss = total_loss / (len(train_data) - 1)
    print('| end | valid loss {:5.3f} | valid ppl {:8.3f}'.format(val_loss, math.exp(val_loss)))

# generate
model.eval()
hidden = model.init_hidden(1)
inp = torch.tensor([[dictionary.word2idx['the']]])
words = []
with torch.no_grad():
    for i in range(8):
        output, hidden = model(inp, hidden)
        word_weights = output.squeeze().div(0.8).exp().cpu()
        word_idx = torch.argmax(word_weights)
        inp.fill_(word_idx)
        words.append(dictionary.idx2word[word_idx])
print(' '.join(words))
print(type(hidden).__name__, hidden.shape, hidden.requires_grad)
