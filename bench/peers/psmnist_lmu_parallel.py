"""The model `lmu train psmnist` trains by default, written as a PyTorch user would: the peer for LmuSharp's main job.

Chilkuri & Eliasmith's (2021) parallel LMU on psMNIST: u = w·x + b per pixel, the final memory state
m_T = u · H_rev as one [batch × 784] × [784 × 468] product (H_k = Ā^k B̄, zero-order hold, θ = 784),
h = ReLU(W_h m_T + b_h) with 346 units, logits = W_o h + b_o; Adam (lr 1e-3), cross-entropy, batch 100.
Random pixels and labels of psMNIST's shape (values do not change the cost). Measures the training step and
one epoch of 50,000 samples (shuffled batches gathered from one tensor, as LmuSharp's trainer does) at 1 and
2 threads; prints JSON. Run with Debian's python3-torch: /usr/bin/python3 bench/peers/psmnist_lmu_parallel.py
"""
import json
import time

import torch

ORDER, THETA, STEPS, HIDDEN, CLASSES, BATCH, SAMPLES = 468, 784.0, 784, 346, 10, 100, 50_000


def legendre_impulse_reversed():
    """H_{T-1}..H_0 [T, d] in float32, from Ā, B̄ = expm([[A/θ, B/θ], [0, 0]]) computed in float64."""
    i = torch.arange(ORDER, dtype=torch.float64)
    a = (2 * i[:, None] + 1) * torch.where(i[:, None] < i[None, :], -1.0, (-1.0) ** (i[:, None] - i[None, :] + 1))
    b = (2 * i + 1) * (-1.0) ** i
    block = torch.zeros(ORDER + 1, ORDER + 1, dtype=torch.float64)
    block[:ORDER, :ORDER], block[:ORDER, ORDER] = a / THETA, b / THETA
    e = torch.linalg.matrix_exp(block)
    a_bar, b_bar = e[:ORDER, :ORDER], e[:ORDER, ORDER]
    h = torch.empty(STEPS, ORDER, dtype=torch.float64)
    h[0] = b_bar
    for k in range(1, STEPS):
        h[k] = a_bar @ h[k - 1]
    return h.flip(0).float()


class ParallelLmu(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = torch.nn.Linear(1, 1)
        self.register_buffer("h_rev", legendre_impulse_reversed())
        self.hidden = torch.nn.Linear(ORDER, HIDDEN)
        self.out = torch.nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):  # x [batch, 784, 1]
        u = self.encoder(x).squeeze(-1)          # [batch, 784]
        m = u @ self.h_rev                        # [batch, 468]: the final memory state
        return self.out(torch.relu(self.hidden(m)))


def measure(threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = ParallelLmu()
    adam = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = torch.rand(SAMPLES, STEPS, 1)
    labels = torch.randint(0, CLASSES, (SAMPLES,))

    def step(index):
        adam.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(data[index]), labels[index])
        loss.backward()
        adam.step()

    batch = torch.arange(BATCH)
    for _ in range(20):
        step(batch)
    times = []
    for _ in range(100):
        start = time.perf_counter()
        step(batch)
        times.append(time.perf_counter() - start)
    times.sort()
    start = time.perf_counter()
    for index in torch.randperm(SAMPLES).split(BATCH):
        step(index)
    epoch = time.perf_counter() - start
    return {"threads": threads, "ms_per_step_median": 1e3 * times[len(times) // 2], "ms_per_step_best": 1e3 * times[0],
            "epoch_seconds": epoch, "samples_per_second": SAMPLES / epoch}


if __name__ == "__main__":
    results = [measure(1), measure(2)]
    best = max(results, key=lambda r: r["samples_per_second"])
    print(json.dumps({"peer": "pytorch", "version": torch.__version__, "parameters": 2 + ORDER * HIDDEN + HIDDEN + HIDDEN * CLASSES + CLASSES,
                      "results": results, "best_samples_per_second": best["samples_per_second"]}, indent=1))
