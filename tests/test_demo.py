"""The digits demo (`make demo`, `ember-demo`) and the Digits dataset behind it."""
import os

import numpy as np
import pytest
import torch

import ember
from ember.examples import digits as demo
from ember.vision.datasets import Digits

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")
PIL_Image = pytest.importorskip("PIL.Image")


def test_digits_split_is_fixed_disjoint_and_complete():
    train, test = Digits(train=True), Digits(train=False)
    assert len(train) + len(test) == 1797
    assert len(test) == 359
    assert train.data.shape == (len(train), 8, 8) and train.data.dtype == ember.uint8
    assert train.targets.dtype == ember.int64
    # every image lands in exactly one part: compare the multisets of raw images
    from sklearn.datasets import load_digits
    raw = np.rint(load_digits().images * (255 / 16)).astype(np.uint8).reshape(1797, -1)
    both = np.concatenate([train.data.numpy(), test.data.numpy()]).reshape(1797, -1)
    assert sorted(map(bytes, raw)) == sorted(map(bytes, both))
    # stratified: each digit keeps about a fifth of its images in the test part
    counts = np.bincount(test.targets.numpy(), minlength=10)
    assert counts.min() >= 34 and counts.max() <= 37
    again = Digits(train=False)
    assert ember.equal(again.data, test.data) and ember.equal(again.targets, test.targets)
    other = Digits(train=False, split_seed=1)
    assert not ember.equal(other.targets, test.targets)


def test_digits_items_are_pil_images_and_transforms_apply():
    ds = Digits(train=False, transform=lambda im: np.asarray(im), target_transform=str)
    img, target = ds[3]
    assert isinstance(target, str)
    assert img.dtype == np.uint8 and img.shape == (8, 8) and img.max() <= 255
    raw, label = Digits(train=False)[3]
    assert isinstance(raw, PIL_Image.Image) and raw.mode == "L" and raw.size == (8, 8)
    assert isinstance(label, int) and 0 <= label <= 9
    assert ds.class_to_idx["3 - three"] == 3
    assert "Split: Test" in repr(ds)
    with pytest.raises(ValueError):
        Digits(test_fraction=1.5)


def test_demo_one_epoch_writes_loadable_outputs(tmp_path, capsys):
    out = tmp_path / "run"
    assert demo.main(["--epochs", "1", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "identical predictions" in printed
    acc = float(printed.split("test accuracy:")[1].split()[0])
    assert acc > 0.8
    names = ["checkpoint.pt", "curves.png", "confusion_matrix.png", "predictions.png"]
    for name in names:
        assert (out / name).is_file()
        assert str(out / name) in printed
    for name in names[1:]:
        with PIL_Image.open(out / name) as im:
            assert im.format == "PNG" and im.size[0] > 100

    # Real torch reads the checkpoint in its safe mode and sees the same tensors.
    path = str(out / "checkpoint.pt")
    theirs = torch.load(path, weights_only=True)
    ours = ember.load(path, weights_only=True)
    assert theirs["epoch"] == ours["epoch"] == 1
    assert set(theirs) >= {"model", "optimizer", "epoch"}
    assert list(theirs["model"]) == list(ours["model"])
    for key, t in theirs["model"].items():
        e = ours["model"][key]
        assert str(t.dtype) == str(e.dtype).replace("ember", "torch")
        np.testing.assert_array_equal(t.numpy(), e.numpy())
    state = theirs["optimizer"]["state"]
    assert len(state) == len(theirs["model"]) - sum(k.endswith(("running_mean", "running_var",
                                                                  "num_batches_tracked"))
                                                    for k in theirs["model"])
    # The same architecture built in torch takes the weights and predicts like ember.
    net = demo.DigitsNet()
    net.load_state_dict(ours["model"])
    net.eval()
    x = np.random.default_rng(0).standard_normal((4, 1, 8, 8)).astype(np.float32)
    tnet = _torch_digits_net()
    tnet.load_state_dict(theirs["model"])
    tnet.eval()
    with torch.no_grad():
        expect = tnet(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(net(ember.from_numpy(x)).detach().numpy(), expect,
                               rtol=1e-4, atol=1e-5)

    # --resume continues from the saved epoch.
    assert demo.main(["--epochs", "2", "--out", str(out), "--no-progress",
                      "--resume", path]) == 0
    assert torch.load(path, weights_only=True)["epoch"] == 2
    assert "resumed from" in capsys.readouterr().out
    # resuming a finished run trains nothing and still checks and plots the model
    other = tmp_path / "again"
    assert demo.main(["--epochs", "2", "--out", str(other), "--no-progress",
                      "--resume", path]) == 0
    assert torch.load(str(other / "checkpoint.pt"), weights_only=True)["epoch"] == 2
    assert (other / "predictions.png").is_file()


def _torch_digits_net():
    nn = torch.nn
    w = 32
    features = nn.Sequential(
        nn.Conv2d(1, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
        nn.Conv2d(w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(2 * w, 2 * w, 3, padding=1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),
        nn.MaxPool2d(2))
    classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(2 * w * 4, 10))
    return _Named(features=features, classifier=classifier)


class _Named(torch.nn.Module):
    def __init__(self, **mods):
        super().__init__()
        for k, v in mods.items():
            self.add_module(k, v)

    def forward(self, x):
        return self.classifier(self.features(x))


def test_demo_ctrl_c_keeps_last_finished_epoch(tmp_path, monkeypatch, capsys):
    real = demo.train_one_epoch
    calls = []

    def interrupt_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(demo, "train_one_epoch", interrupt_second)
    out = tmp_path / "run"
    assert demo.main(["--epochs", "3", "--out", str(out), "--no-progress"]) == 130
    printed = capsys.readouterr().out
    assert "interrupted" in printed and "test accuracy:" in printed
    assert torch.load(str(out / "checkpoint.pt"), weights_only=True)["epoch"] == 1
    assert (out / "curves.png").is_file()


def test_demo_cuda_is_a_clear_error(tmp_path, capsys):
    assert demo.main(["--device", "cuda", "--out", str(tmp_path)]) == 2
    assert "CUDA" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("EMBER_SLOW"), reason="full demo runs: set EMBER_SLOW=1")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_demo_full_run_reaches_97_percent(tmp_path, capsys, seed):
    assert demo.main(["--out", str(tmp_path), "--seed", str(seed), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert float(printed.split("test accuracy:")[1].split()[0]) >= 0.97
