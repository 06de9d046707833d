"""Train Guard: measure your model's training throughput on THIS GPU.

Times a few real training steps (forward + backward + optimizer step, with or without AMP) of your
model on random inputs of your image size and batch size, and prints samples/s in the form the
Training budget panel accepts: paste the TRAINGUARD line (or just the number) into "Measured
samples/s", or run `trainguard estimate ... --samples-per-sec N`.

Data loading is not timed (like the timm benchmarks the estimator uses); the panel adds its own
data-loading floor from your DataLoader workers. Edit build_model() to return your own network.
Usage: python measure-throughput.py [--model efficientnet_b4] [--img-size 224] [--batch-size 64]
       [--amp on|off] [--steps 20] [--warmup 5] [--num-classes 1000]
(at least one warm-up step is always run). The Throughput class below is also the tg-throughput
snippet, which times a real training loop: scripts/throughput-snippet.js writes it into
snippets/python.json.
"""
import argparse
import time

# A timing tool, not a training run: its warm-up steps are the smoke test and nothing is worth saving.
# trainguard: ignore-file[TG211,TG703]

import torch
import torch.nn as nn


class Throughput:
    """Training throughput: call `tick(batch_size)` after every optimizer step.

    The first `warmup` steps (cuDNN autotuning, workers starting) are not timed.
    """

    def __init__(self, warmup=5):
        self.warmup = max(1, warmup)
        self.steps = 0
        self.samples = 0
        self.start = None

    def tick(self, batch_size):
        self.steps += 1
        if self.steps == self.warmup:
            torch.cuda.synchronize()
            self.start = time.perf_counter()
        elif self.steps > self.warmup:
            self.samples += batch_size

    def samples_per_second(self):
        if self.start is None or self.samples == 0:
            return None
        torch.cuda.synchronize()
        return self.samples / (time.perf_counter() - self.start)

    def minutes_per_epoch(self, samples_per_epoch):
        rate = self.samples_per_second()
        return None if rate is None else samples_per_epoch / rate / 60


def build_model(name, num_classes):
    """Return the network you train. By default a timm model by name; replace with your own."""
    import timm

    return timm.create_model(name, pretrained=False, num_classes=num_classes)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="efficientnet_b0")
    ap.add_argument("--img-size", type=int, default=224)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--amp", choices=["on", "off"], default="on")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--num-classes", type=int, default=1000)
    a = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("No CUDA GPU visible: measure on the machine you will train on.")

    device = torch.device("cuda")
    model = build_model(a.model, a.num_classes).to(device).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    criterion = nn.CrossEntropyLoss()
    use_amp = a.amp == "on"
    scaler = torch.cuda.amp.GradScaler(enabled=use_amp)
    x = torch.randn(a.batch_size, 3, a.img_size, a.img_size, device=device)
    y = torch.randint(0, a.num_classes, (a.batch_size,), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", enabled=use_amp):
            loss = criterion(model(x), y)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    # the same timer as the tg-throughput snippet: the warm-up steps (cuDNN autotuning, allocator) are
    # not timed, then `steps` steps are
    meter = Throughput(warmup=a.warmup)
    for _ in range(meter.warmup + a.steps):
        step()
        meter.tick(a.batch_size)
    rate = meter.samples_per_second()
    if rate is None:
        raise SystemExit("Nothing was timed: give --steps 1 or more.")
    gpu = torch.cuda.get_device_name(0)
    mem = torch.cuda.max_memory_allocated() / 1024**3
    print(f"{a.model}: {rate:.1f} training samples/s on {gpu} ({a.img_size}px, batch {a.batch_size}, AMP {a.amp}, peak {mem:.1f} GB)")
    print(f'TRAINGUARD samples_per_sec={rate:.1f} model={a.model} img_size={a.img_size} batch_size={a.batch_size} amp={a.amp} gpu="{gpu}"')


if __name__ == "__main__":
    main()
