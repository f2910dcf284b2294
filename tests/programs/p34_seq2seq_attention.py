# Seq2seq translation with attention (tutorial style): GRU encoder, Bahdanau attention decoder,
# plus the Luong-style AttnDecoderRNN, teacher forcing, NLLLoss, torch.bmm.
# conformance: rtol=2e-3 atol=1e-5
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim

rng = np.random.default_rng(34)
SOS_token, EOS_token = 0, 1
MAX_LENGTH = 6


def det_init(m, scale=0.3):
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.tensor(rng.normal(0, scale, tuple(p.shape)), dtype=torch.float32))
    return m


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dropout_p=0.0):
        super(EncoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input):
        embedded = self.dropout(self.embedding(input))
        output, hidden = self.gru(embedded)
        return output, hidden


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super(BahdanauAttention, self).__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.0):
        super(AttnDecoderRNN, self).__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs = []
        attentions = []
        for i in range(MAX_LENGTH):
            decoder_output, decoder_hidden, attn_weights = self.forward_step(
                decoder_input, decoder_hidden, encoder_outputs)
            decoder_outputs.append(decoder_output)
            attentions.append(attn_weights)
            if target_tensor is not None:
                decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()
        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
        attentions = torch.cat(attentions, dim=1)
        return decoder_outputs, decoder_hidden, attentions

    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.dropout(self.embedding(input))
        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs)
        input_gru = torch.cat((embedded, context), dim=2)
        output, hidden = self.gru(input_gru, hidden)
        output = self.out(output)
        return output, hidden, attn_weights


class LuongAttnDecoder(nn.Module):
    """Older tutorial version: attention over a fixed max_length with attn_combine."""

    def __init__(self, hidden_size, output_size, max_length=MAX_LENGTH):
        super().__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attn = nn.Linear(hidden_size * 2, max_length)
        self.attn_combine = nn.Linear(hidden_size * 2, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, input, hidden, encoder_outputs):
        embedded = self.embedding(input).view(1, 1, -1)
        attn_weights = F.softmax(self.attn(torch.cat((embedded[0], hidden[0]), 1)), dim=1)
        attn_applied = torch.bmm(attn_weights.unsqueeze(0), encoder_outputs.unsqueeze(0))
        output = torch.cat((embedded[0], attn_applied[0]), 1)
        output = self.attn_combine(output).unsqueeze(0)
        output = F.relu(output)
        output, hidden = self.gru(output, hidden)
        output = F.log_softmax(self.out(output[0]), dim=1)
        return output, hidden, attn_weights


in_vocab, out_vocab, hidden_size = 9, 7, 8
encoder = det_init(EncoderRNN(in_vocab, hidden_size))
decoder = det_init(AttnDecoderRNN(hidden_size, out_vocab))
input_tensor = torch.tensor(rng.integers(2, in_vocab, (3, MAX_LENGTH)))
target_tensor = torch.tensor(rng.integers(2, out_vocab, (3, MAX_LENGTH)))
input_tensor[:, -1] = EOS_token
target_tensor[:, -1] = EOS_token
encoder_optimizer = optim.Adam(encoder.parameters(), lr=0.01)
decoder_optimizer = optim.Adam(decoder.parameters(), lr=0.01)
criterion = nn.NLLLoss()
for epoch in range(1, 5):
    encoder_optimizer.zero_grad()
    decoder_optimizer.zero_grad()
    encoder_outputs, encoder_hidden = encoder(input_tensor)
    decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, target_tensor)
    loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)),
                     target_tensor.view(-1))
    loss.backward()
    encoder_optimizer.step()
    decoder_optimizer.step()
    print(f"epoch {epoch} loss {loss.item():.5f}")

with torch.no_grad():
    encoder_outputs, encoder_hidden = encoder(input_tensor[:1])
    decoder_outputs, decoder_hidden, decoder_attn = decoder(encoder_outputs, encoder_hidden)
    _, topi = decoder_outputs.topk(1)
    decoded_ids = topi.squeeze()
    decoded_words = []
    for idx in decoded_ids:
        if idx.item() == EOS_token:
            decoded_words.append('<EOS>')
            break
        decoded_words.append(f"w{idx.item()}")
print(decoded_words, decoder_attn.shape)
print(decoder_attn[0].round(decimals=3))
print(decoder_attn.sum(-1).round(decimals=5))

# Luong decoder, one sentence, step by step with teacher forcing
luong = det_init(LuongAttnDecoder(hidden_size, out_vocab))
enc_out, enc_hidden = encoder(input_tensor[1:2])
enc_out = enc_out[0].detach()
decoder_hidden = enc_hidden.detach()
decoder_input = torch.tensor([[SOS_token]])
loss = 0
attn_rows = []
for di in range(target_tensor.size(1)):
    decoder_output, decoder_hidden, decoder_attention = luong(decoder_input, decoder_hidden,
                                                              enc_out)
    loss += criterion(decoder_output, target_tensor[1, di].view(1))
    attn_rows.append(decoder_attention)
    decoder_input = target_tensor[1, di]
loss.backward()
print(round(loss.item() / target_tensor.size(1), 5), loss.grad_fn.name())
print(torch.cat(attn_rows).argmax(1).tolist())
print(luong.attn.weight.grad.norm().round(decimals=4), luong.gru.weight_hh_l0.grad.shape)
