# seq2seq-ish Transformer with masks, positional encoding, attention.
# conformance: rtol=1e-3 atol=1e-5
import math
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(2)


def init_(m):
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(torch.tensor(rng.uniform(-0.2, 0.2, tuple(p.shape)), dtype=torch.float32))


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=50):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer('pe', pe)

    def forward(self, x):
        x = x + self.pe[:x.size(0)]
        return self.dropout(x)


class Seq2Seq(nn.Module):
    def __init__(self, vocab=11, d=8):
        super().__init__()
        self.d = d
        self.src_emb = nn.Embedding(vocab, d)
        self.tgt_emb = nn.Embedding(vocab, d)
        self.pos = PositionalEncoding(d, 0.0)
        self.transformer = nn.Transformer(d_model=d, nhead=2, num_encoder_layers=2,
                                          num_decoder_layers=1, dim_feedforward=16, dropout=0.0)
        self.out = nn.Linear(d, vocab)

    def forward(self, src, tgt, tgt_mask, src_kpm=None, tgt_kpm=None):
        s = self.pos(self.src_emb(src) * math.sqrt(self.d))
        t = self.pos(self.tgt_emb(tgt) * math.sqrt(self.d))
        o = self.transformer(s, t, tgt_mask=tgt_mask, src_key_padding_mask=src_kpm,
                             tgt_key_padding_mask=tgt_kpm, memory_key_padding_mask=src_kpm)
        return self.out(o)


model = Seq2Seq()
init_(model)
print(sum(p.numel() for p in model.parameters()))
print([n for n, _ in model.named_children()])
mask = nn.Transformer.generate_square_subsequent_mask(4)
print(mask)
src = torch.tensor(rng.integers(1, 11, (5, 2)))
tgt = torch.tensor(rng.integers(1, 11, (4, 2)))
src_kpm = torch.tensor([[False] * 5, [False, False, False, True, True]])
out = model(src, tgt, mask, src_kpm)
print(out.shape, out.grad_fn.name())
print(out[:, 0, :4])
loss = F.cross_entropy(out.view(-1, 11), tgt.view(-1))
loss.backward()
print(round(loss.item(), 4))
print(model.transformer.encoder.layers[0].self_attn.in_proj_weight.grad.shape)
model.eval()
with torch.no_grad():
    out2 = model(src, tgt, mask, src_kpm)
print(torch.allclose(out, out2, atol=1e-5))

# plain MultiheadAttention with batch_first and attn weights
mha = nn.MultiheadAttention(8, 2, batch_first=True)
init_(mha)
q = torch.tensor(rng.standard_normal((2, 3, 8)), dtype=torch.float32)
k = torch.tensor(rng.standard_normal((2, 5, 8)), dtype=torch.float32)
attn_out, w = mha(q, k, k, key_padding_mask=torch.tensor([[False] * 5, [False] * 3 + [True] * 2]))
print(attn_out.shape, w.shape, w.sum(-1))
print(w[1, 0])
_, w2 = mha(q, k, k, average_attn_weights=False)
print(w2.shape)
# scaled_dot_product_attention
qq = torch.tensor(rng.standard_normal((1, 2, 4, 4)), dtype=torch.float32)
print(F.scaled_dot_product_attention(qq, qq, qq, is_causal=True)[0, 0])
bool_mask = torch.ones(4, 4, dtype=torch.bool).tril()
print(torch.allclose(F.scaled_dot_product_attention(qq, qq, qq, attn_mask=bool_mask),
                     F.scaled_dot_product_attention(qq, qq, qq, is_causal=True), atol=1e-6))
enc_layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0,
                                       batch_first=True, norm_first=True, activation="gelu")
init_(enc_layer)
enc = nn.TransformerEncoder(enc_layer, num_layers=2, enable_nested_tensor=False)
print(enc(q, mask=nn.Transformer.generate_square_subsequent_mask(3)).sum(-1))
print(enc(q, src_key_padding_mask=torch.tensor([[False, False, True]] * 2)).shape)
