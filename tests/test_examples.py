"""The tutorial examples in ember.examples run (in their quick mode) and give torch's answers."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from ember.examples import (autograd, basics, bce_network, linear_regression, net_classifier,
                            save_load, tensor_basics)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything an example writes by default lands here


def test_tensor_basics():
    out = tensor_basics.main(["--quick"])
    assert out["sum"] == [6.0, 8.0, 10.0]  # a was incremented in place before the sum
    assert out["outer"] == torch.matmul(torch.tensor([1.0, 2.0]).view(2, 1),
                                        torch.tensor([3.0, 4.0]).view(1, 2)).tolist()
    assert out["masked"] == [6, 7, 8, 9, 10, 11]


def test_autograd():
    out = autograd.main(["--quick"])
    assert out["grad_fn"] == "AddBackward0"
    assert out["poly"] == 7.0
    assert out["two_vars"] == (24.0, 57.0)
    assert out["vector"] == [2.0, 4.0, 6.0]
    assert out["accumulated"] == 16.0 and out["zeroed"] == 12.0
    assert out["mean"] == [[4.5, 4.5], [4.5, 4.5]]
    assert out["detached"] == (False, False)


def test_linear_regression_fits_and_plots(tmp_path):
    w, b, losses, path = linear_regression.main(["--quick", "--out", str(tmp_path / "lr")])
    assert abs(w - 3) < 0.2 and abs(b - 2) < 0.2
    assert losses[-1] < losses[0] / 5
    assert os.path.isfile(path) and path.endswith(".png")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_bce_network_trains():
    losses = bce_network.main(["--quick"])
    assert len(losses) == 20 and losses[-1] < losses[0]


def test_net_classifier_trains():
    net, losses = net_classifier.main(["--quick", "--epochs", "2"])
    assert len(losses) == 2 and all(np.isfinite(losses))
    assert net.fc1.weight.shape == (32, 16)


def test_save_load_round_trip_readable_by_torch(tmp_path):
    path = save_load.main(["--quick", "--out", str(tmp_path / "sl")])
    state = torch.load(path, weights_only=True)
    assert list(state) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    net = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    net.load_state_dict({k.replace("fc1", "0").replace("fc2", "2"): v for k, v in state.items()})


def test_basics_still_runs():
    w, b = basics.main(steps=60)
    assert abs(w - 3) < 0.1 and abs(b - 2) < 0.1


def test_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "ember.examples.autograd", "--quick"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "tensor(7.)" in done.stdout
