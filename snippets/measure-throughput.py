"""Train Guard: measure your model's training throughput on THIS GPU.

Times a few real training steps (forward + backward + optimizer step, with or without AMP) of your
model on random inputs of your image size and batch size, and prints samples/s in the form the
Training budget panel accepts: paste the TRAINGUARD line (or just the number) into "Measured
samples/s", or run `trainguard estimate ... --samples-per-sec N`.

Data loading is not timed (like the timm benchmarks the estimator uses); the panel adds its own
data-loading floor from your DataLoader workers. Edit build_model() to return your own network.
Usage: python measure-throughput.py [--model efficientnet_b4] [--img-size 224] [--batch-size 64]
       [--amp on|off] [--steps 20] [--warmup 5] [--num-classes 1000]
"""
import argparse
import time

# A timing tool, not a training run: its warm-up steps are the smoke test and nothing is worth saving.
# trainguard: ignore-file[TG211,TG703]

import torch
import torch.nn as nn


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

    for _ in range(a.warmup):  # cuDNN autotuning and allocator warm-up: not timed
        step()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(a.steps):
        step()
    torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    rate = a.steps * a.batch_size / seconds
    gpu = torch.cuda.get_device_name(0)
    mem = torch.cuda.max_memory_allocated() / 1024**3
    print(f"{a.model}: {rate:.1f} training samples/s on {gpu} ({a.img_size}px, batch {a.batch_size}, AMP {a.amp}, peak {mem:.1f} GB)")
    print(f'TRAINGUARD samples_per_sec={rate:.1f} model={a.model} img_size={a.img_size} batch_size={a.batch_size} amp={a.amp} gpu="{gpu}"')


if __name__ == "__main__":
    main()
