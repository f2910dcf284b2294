# a tour of nn layers and losses with deterministic weights.
# conformance: rtol=1e-3 atol=1e-5
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

rng = np.random.default_rng(17)


def T(*shape):
    return torch.tensor(rng.standard_normal(shape), dtype=torch.float32)


def init_(m):
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.tensor(rng.uniform(-0.5, 0.5, tuple(p.shape)), dtype=torch.float32))
    return m


x = T(2, 5)
for layer in [nn.Bilinear(5, 5, 2), nn.Embedding(10, 3, max_norm=1.0), nn.EmbeddingBag(10, 3, mode="mean"),
              nn.PReLU(), nn.LayerNorm([5], elementwise_affine=False), nn.RMSNorm(5) if hasattr(nn, "RMSNorm") else nn.Identity()]:
    init_(layer)
    print(layer)
print(init_(nn.Bilinear(5, 5, 2))(x, x))
emb = init_(nn.Embedding(10, 3, max_norm=1.0))
out = emb(torch.tensor([1, 2, 1]))
print(out.norm(dim=1), emb.weight[1].norm() <= 1.0001)
bag = init_(nn.EmbeddingBag(10, 3, mode="sum"))
print(bag(torch.tensor([1, 2, 4, 5, 4]), torch.tensor([0, 2])))
print(nn.Embedding.from_pretrained(torch.eye(3))(torch.tensor([2])), nn.Embedding.from_pretrained(torch.eye(3)).weight.requires_grad)
for act in [nn.ELU(), nn.SELU(), nn.CELU(), nn.GELU(), nn.SiLU(), nn.Mish(), nn.Softplus(beta=2), nn.Softsign(), nn.Tanhshrink(),
            nn.Hardswish(), nn.Hardsigmoid(), nn.LeakyReLU(0.1), nn.ReLU6(), nn.LogSigmoid(), nn.Softshrink(0.5), nn.Hardshrink(), nn.Threshold(0.1, 20), nn.GLU(), nn.Softmax2d() if False else nn.LogSoftmax(dim=1)]:
    print(act, act(torch.linspace(-2, 2, 4).view(1, 4)))
pred = T(4, 3)
tgt = torch.tensor([0, 2, 1, 2])
bce_t = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
losses = {
    "CE w": nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5]))(pred, tgt),
    "CE ignore": nn.CrossEntropyLoss(ignore_index=2)(pred, tgt),
    "CE probs": nn.CrossEntropyLoss()(pred, F.softmax(T(4, 3), 1)),
    "NLL": nn.NLLLoss(reduction="sum")(F.log_softmax(pred, 1), tgt),
    "BCE": nn.BCELoss()(torch.sigmoid(pred), bce_t),
    "BCEwL": nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1.0, 2.0, 3.0]))(pred, bce_t),
    "MSE": nn.MSELoss()(pred, bce_t), "L1": nn.L1Loss(reduction="none")(pred, bce_t).sum(),
    "Huber": nn.HuberLoss(delta=0.5)(pred, bce_t), "SmoothL1": nn.SmoothL1Loss(beta=0.5)(pred, bce_t),
    "KLDiv": nn.KLDivLoss(reduction="batchmean", log_target=False)(F.log_softmax(pred, 1), F.softmax(bce_t, 1)),
    "MultiMargin": nn.MultiMarginLoss()(pred, tgt), "MultiLabelMargin": nn.MultiLabelMarginLoss()(pred, torch.tensor([[0, -1, 1], [2, -1, 0], [1, 0, -1], [0, 1, 2]])),
    "MultiLabelSoftMargin": nn.MultiLabelSoftMarginLoss()(pred, bce_t), "SoftMargin": nn.SoftMarginLoss()(pred, bce_t * 2 - 1),
    "CosEmb": nn.CosineEmbeddingLoss()(pred, bce_t, torch.tensor([1, -1, 1, -1])),
    "MarginRank": nn.MarginRankingLoss(margin=0.1)(pred[:, 0], pred[:, 1], torch.tensor([1, -1, 1, -1])),
    "HingeEmb": nn.HingeEmbeddingLoss()(pred, bce_t * 2 - 1), "PoissonNLL": nn.PoissonNLLLoss()(pred, bce_t),
    "GaussianNLL": nn.GaussianNLLLoss()(pred, bce_t, torch.ones(4, 3)),
    "Triplet": nn.TripletMarginLoss()(pred, bce_t, -pred),
}
for k, v in losses.items():
    print(k, round(v.item(), 4), v.grad_fn.name() if v.grad_fn else None)
lp = F.log_softmax(T(6, 2, 4), 2)
print(round(nn.CTCLoss()(lp, torch.tensor([[1, 2], [3, 3]]), torch.tensor([6, 6]), torch.tensor([2, 2])).item(), 4))
print(F.cross_entropy(T(2, 3, 4), torch.tensor([[0, 1, 2, 1], [2, 2, 0, 0]])).shape, F.nll_loss(T(2, 3, 2, 2), torch.zeros(2, 2, 2, dtype=torch.long), reduction="none").shape)
try:
    F.cross_entropy(pred, torch.tensor([0, 3, 1, 2]))
except IndexError as e:
    print("IndexError", e)
try:
    nn.MSELoss()(pred, torch.zeros(4))
except RuntimeError as e:
    print("RuntimeError")
print(F.fold(F.unfold(T(1, 2, 4, 4), 2), (4, 4), 2).shape, nn.PixelShuffle(2)(T(1, 8, 2, 2)).shape, nn.PixelUnshuffle(2)(T(1, 1, 4, 4)).shape)
print(nn.Conv3d(1, 2, 3)(T(1, 1, 4, 4, 4)).shape, nn.MaxPool3d(2)(T(1, 1, 4, 4, 4)).shape, nn.AvgPool1d(3, ceil_mode=True)(T(1, 1, 7)).shape, nn.LPPool2d(2, 2)(T(1, 1, 4, 4)).shape)
mp, ind = F.max_pool2d(T(1, 1, 4, 4), 2, return_indices=True)
print(F.max_unpool2d(mp, ind, 2).shape, nn.ZeroPad2d(1)(T(1, 1, 2, 2)).shape, nn.ReflectionPad1d(2)(T(1, 1, 4)).shape, nn.ReplicationPad2d((1, 0, 1, 0))(T(1, 1, 2, 2)).shape, nn.ConstantPad1d(1, 3.5)(torch.zeros(1, 1, 2)))
print(F.grid_sample(T(1, 1, 3, 3), torch.zeros(1, 2, 2, 2), align_corners=True).shape, F.interpolate(T(1, 1, 4), scale_factor=2, mode="linear").shape, F.interpolate(T(1, 1, 2, 2), size=4, mode="bicubic", align_corners=True).shape)
lstm = init_(nn.LSTM(3, 4, num_layers=2, bidirectional=True, dropout=0.0))
o, (h, c) = lstm(T(5, 2, 3))
print(o.shape, h.shape, c.shape, [n for n, _ in lstm.named_parameters()][:4], lstm)
gru = init_(nn.GRU(3, 4, batch_first=True, bidirectional=True, proj_size=0) if False else nn.GRU(3, 4, batch_first=True, bidirectional=True))
print(gru(T(2, 5, 3))[0][0, -1], nn.LSTM(3, 4, proj_size=2)(T(5, 3))[0].shape)
dec_layer = init_(nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0))
dec = nn.TransformerDecoder(dec_layer, num_layers=2)
print(dec(T(3, 1, 8), T(4, 1, 8)).shape)
print(nn.utils.parameters_to_vector(nn.Linear(2, 2).parameters()).shape, nn.CosineSimilarity(dim=1)(x, x), nn.PairwiseDistance()(x, x + 1))
print(nn.Softmax(dim=-1)(torch.tensor([[1.0, 1.0]])), nn.AdaptiveAvgPool1d(2)(T(1, 2, 5)).shape, nn.AdaptiveMaxPool2d((None, 2))(T(1, 1, 3, 4)).shape)
print(nn.ChannelShuffle(2)(torch.arange(4.).view(1, 4, 1, 1)).flatten(), nn.Unfold(kernel_size=2)(T(1, 1, 3, 3)).shape, nn.InstanceNorm1d(2)(T(1, 2, 5)).shape, nn.LocalResponseNorm(2)(T(1, 4, 2, 2)).shape)
