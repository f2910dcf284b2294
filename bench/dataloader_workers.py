"""DataLoader throughput with worker processes: batches per second, num_workers=0 vs 2.

The dataset's ``__getitem__`` busy-loops for about 1 ms of CPU time (as decoding or
augmenting an image would) and returns a float32 tensor of 3x32x32 and a label; batches of
16 are collated by the default collate. With two workers the loading runs on two cores
while the parent only unpacks the batches (their tensors arrive in shared memory), so the
rate should approach twice that of num_workers=0 on a machine with two free cores.

Run:  python bench/dataloader_workers.py [--batches N] [--repeats R] [--workers W]
Prints each measurement and the ratio of the best rates, with the load average: the
speed-up needs idle cores. (Linux's scheduler autogroups give each session an equal share
under contention, so while another session keeps one of two cores busy, the two workers
together get one core and the ratio falls to about 1.)
"""
import argparse
import os
import time

import ember
from ember.utils.data import DataLoader, Dataset

BUSY_S = 0.001  # CPU seconds per item


class BusyDataset(Dataset):
    """Items that each cost ~1 ms of CPU (a busy loop on the process clock)."""

    def __init__(self, n):
        self.n = n
        self.image = ember.zeros(3, 32, 32)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        end = time.process_time() + BUSY_S
        while time.process_time() < end:
            pass
        return self.image + i, i % 10


def batches_per_second(num_workers, n_batches, batch_size=16):
    """Batches per second of one pass over `n_batches` batches (worker start included)."""
    loader = DataLoader(BusyDataset(n_batches * batch_size), batch_size=batch_size,
                        num_workers=num_workers)
    start = time.perf_counter()
    count = 0
    for _ in loader:
        count += 1
    return count / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    best = {}
    for _ in range(args.repeats):
        for w in (0, args.workers):
            rate = batches_per_second(w, args.batches)
            best[w] = max(best.get(w, 0.0), rate)
            print(f"num_workers={w}: {rate:7.1f} batches/s")
    ratio = best[args.workers] / best[0]
    print(f"best: num_workers=0 {best[0]:.1f}/s, num_workers={args.workers} "
          f"{best[args.workers]:.1f}/s, ratio {ratio:.2f}x "
          f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
