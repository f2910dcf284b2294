# char-level RNN/GRU/LSTM with nn.Embedding and pack_padded_sequence.
import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

rng = np.random.default_rng(1)
text = "hello world, hello ember"
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
print(len(chars), chars[:5])


def init_(m):
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(torch.tensor(rng.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))


class CharRNN(nn.Module):
    def __init__(self, vocab, hidden, cell="gru"):
        super().__init__()
        self.emb = nn.Embedding(vocab, 8, padding_idx=0)
        rnn_cls = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}[cell]
        self.rnn = rnn_cls(8, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, lengths=None):
        e = self.emb(x)
        if lengths is not None:
            packed = pack_padded_sequence(e, lengths, batch_first=True, enforce_sorted=False)
            out, h = self.rnn(packed)
            out, lens = pad_packed_sequence(out, batch_first=True)
        else:
            out, h = self.rnn(e)
        return self.head(out), h


seqs = [torch.tensor([stoi[c] for c in w]) for w in ["hello", "world", "em", "ember"]]
lengths = torch.tensor([len(s) for s in seqs])
padded = pad_sequence(seqs, batch_first=True)
print(padded, padded.shape, lengths)

for cell in ["gru", "lstm", "rnn"]:
    model = CharRNN(len(chars), 6, cell)
    init_(model)
    print(model)
    logits, h = model(padded, lengths)
    print(cell, logits.shape, logits.grad_fn.name())
    if isinstance(h, tuple):
        print([t.shape for t in h])
    else:
        print(h.shape)
    print(logits[1, :2, :4].detach().numpy().round(4))
    print(logits[2, 2:, :3])
    loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), padded.reshape(-1),
                                       ignore_index=0)
    loss.backward()
    print(round(loss.item(), 5), model.emb.weight.grad[0].abs().sum().item())
    print(model.rnn.weight_hh_l0.grad.norm().item() > 0)

# generation loop, greedy
model = CharRNN(len(chars), 6, "gru")
init_(model)
model.eval()
x = torch.tensor([[stoi["h"]]])
h = None
out = []
with torch.no_grad():
    for _ in range(8):
        e = model.emb(x)
        o, h = model.rnn(e, h)
        nxt = model.head(o[:, -1]).argmax(-1, keepdim=True)
        out.append(chars[nxt.item()])
        x = nxt
print(repr("".join(out)))

cell = nn.GRUCell(4, 3)
init_(cell)
hx = torch.zeros(2, 3)
inp = torch.tensor(rng.standard_normal((5, 2, 4)), dtype=torch.float32)
outs = []
for t in range(5):
    hx = cell(inp[t], hx)
    outs.append(hx)
print(torch.stack(outs).sum().item(), hx.grad_fn is not None)
lc = nn.LSTMCell(4, 3)
init_(lc)
hc = lc(inp[0])
print(hc[0].shape, hc[1].shape, round(hc[1].sum().item(), 5))
