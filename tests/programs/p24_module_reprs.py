# print(model) for a wide range of layer types and options.
import torch
import torch.nn as nn

layers = [
    nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=1, groups=2, bias=False, padding_mode="circular"),
    nn.Conv2d(3, 8, (3, 5), stride=(1, 2), padding=(1, 2), dilation=(2, 1)),
    nn.Conv2d(3, 8, 3, padding="same", padding_mode="reflect"),
    nn.Conv3d(1, 2, 3, padding="valid"),
    nn.ConvTranspose1d(4, 2, 3, stride=2, output_padding=1),
    nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=1),
    nn.MaxPool1d(3, stride=2), nn.MaxPool2d(2), nn.MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=1, return_indices=True, ceil_mode=True),
    nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False), nn.AvgPool1d(2), nn.AvgPool3d(2, divisor_override=3),
    nn.AdaptiveAvgPool2d((5, 7)), nn.AdaptiveAvgPool2d(1), nn.AdaptiveMaxPool1d(4), nn.LPPool1d(2, 3),
    nn.MaxUnpool2d(2, stride=2), nn.FractionalMaxPool2d(2, output_size=3) if hasattr(nn, "FractionalMaxPool2d") and False else nn.Identity(),
    nn.BatchNorm1d(10), nn.BatchNorm2d(4, eps=1e-3, momentum=None, affine=False), nn.BatchNorm3d(2, track_running_stats=False),
    nn.InstanceNorm2d(3, affine=True), nn.LayerNorm((4, 5), eps=1e-6, bias=False), nn.GroupNorm(2, 4, affine=False), nn.LocalResponseNorm(3),
    nn.Dropout(), nn.Dropout(0.2, inplace=True), nn.Dropout1d(0.1), nn.Dropout2d(), nn.AlphaDropout(0.3), nn.FeatureAlphaDropout(0.1),
    nn.Embedding(10, 3, padding_idx=0), nn.Embedding(5, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, sparse=True),
    nn.EmbeddingBag(10, 3, mode="max"), nn.EmbeddingBag(10, 3, padding_idx=1, include_last_offset=True),
    nn.RNN(3, 4, 2, nonlinearity="relu", bias=False, batch_first=True, dropout=0.5), nn.LSTM(3, 4, proj_size=2, bidirectional=True),
    nn.GRU(3, 4), nn.RNNCell(3, 4), nn.LSTMCell(3, 4, bias=False), nn.GRUCell(3, 4),
    nn.Linear(3, 4, bias=False), nn.Bilinear(2, 3, 4), nn.Identity(54, unused="x"), nn.LazyLinear(3),
    nn.ReLU(inplace=True), nn.LeakyReLU(), nn.LeakyReLU(0.2, inplace=True), nn.ELU(alpha=0.5), nn.PReLU(3, init=0.1), nn.RReLU(0.1, 0.3),
    nn.Hardtanh(-2, 2), nn.ReLU6(True), nn.Sigmoid(), nn.Tanh(), nn.Softmax(dim=1), nn.Softmax(), nn.LogSoftmax(1), nn.Softmin(0), nn.Softmax2d(),
    nn.GELU(approximate="tanh"), nn.SiLU(inplace=True), nn.Softplus(beta=2, threshold=10), nn.CELU(2.0), nn.SELU(), nn.GLU(-1), nn.Hardswish(),
    nn.Threshold(0.1, 20.0), nn.Softshrink(), nn.Hardshrink(0.3), nn.Tanhshrink(), nn.Mish(), nn.MultiheadAttention(8, 2, dropout=0.1, kdim=4, vdim=6),
    nn.MultiheadAttention(8, 2, batch_first=True),
    nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), nn.Upsample(size=(4, 4)), nn.UpsamplingNearest2d(scale_factor=3), nn.UpsamplingBilinear2d(size=5),
    nn.PixelShuffle(2), nn.PixelUnshuffle(3), nn.ChannelShuffle(2), nn.Flatten(), nn.Flatten(0, -1), nn.Unflatten(1, (2, 5)),
    nn.Fold((4, 5), (2, 2)), nn.Unfold(3, dilation=2, padding=1, stride=2),
    nn.ZeroPad2d((1, 2, 3, 4)), nn.ConstantPad2d(2, 3.5), nn.ReflectionPad2d(1), nn.ReplicationPad1d((2, 3)), nn.CircularPad2d(1), nn.ZeroPad1d(2),
    nn.CosineSimilarity(dim=0, eps=1e-6), nn.PairwiseDistance(p=1.0, keepdim=True),
    nn.CrossEntropyLoss(), nn.CrossEntropyLoss(weight=torch.ones(3), ignore_index=1, reduction="sum", label_smoothing=0.1), nn.NLLLoss(),
    nn.MSELoss(reduction="none"), nn.BCELoss(), nn.BCEWithLogitsLoss(pos_weight=torch.ones(2)), nn.L1Loss(), nn.SmoothL1Loss(beta=2.0), nn.HuberLoss(delta=0.5),
    nn.KLDivLoss(reduction="batchmean", log_target=True), nn.CTCLoss(blank=1, zero_infinity=True), nn.TripletMarginLoss(margin=2.0, p=1), nn.MarginRankingLoss(0.5),
    nn.CosineEmbeddingLoss(), nn.HingeEmbeddingLoss(), nn.MultiMarginLoss(), nn.SoftMarginLoss(), nn.PoissonNLLLoss(), nn.GaussianNLLLoss(),
    nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1), nn.TransformerDecoderLayer(8, 2, 16, batch_first=True, norm_first=True),
]
for layer in layers:
    print(layer)
print(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Sequential(nn.Linear(2, 2), nn.ModuleList([nn.Tanh(), nn.Sigmoid()]))))
print(nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()}), nn.ParameterList([nn.Parameter(torch.ones(2, 3)), nn.Parameter(torch.ones(1, dtype=torch.float64))]))
print(nn.ParameterDict({"w": nn.Parameter(torch.zeros(2)), "v": nn.Parameter(torch.zeros(1, 1))}))
print(nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16))
print(nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8), enable_nested_tensor=False))
print(nn.ModuleList([nn.Linear(2, 2) for _ in range(3)]), nn.Sequential(), nn.ModuleList())
print(nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4]) if hasattr(nn, "AdaptiveLogSoftmaxWithLoss") else None)
