"""Leaf classification: EfficientNet-B3 fine-tuned on 3 stratified folds with mixed precision.

A realistic Kaggle training script with four mistakes Train Guard catches (see README):
the loss is computed outside autocast, only the best checkpoint is saved, there is no smoke
test before the folds start, and nothing checks that the GPU is actually used.
"""
import os
import time

import numpy as np
import pandas as pd
import timm
import torch
import torch.nn as nn
from PIL import Image
from sklearn.model_selection import StratifiedKFold
from torch.amp import GradScaler, autocast
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

DATA_DIR = "/kaggle/input/leaf-classification"
OUT_DIR = "/kaggle/working"
MODEL_NAME = "efficientnet_b3"
IMG_SIZE = 224
BATCH_SIZE = 64
N_FOLDS = 3
EPOCHS = 8
LR = 3e-4

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class LeafDataset(Dataset):
    def __init__(self, df, transform):
        self.paths = df["path"].values
        self.labels = df["label"].values
        self.transform = transform

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, idx):
        image = Image.open(self.paths[idx]).convert("RGB")
        return self.transform(image), self.labels[idx]


train_tf = transforms.Compose([
    transforms.RandomResizedCrop(IMG_SIZE),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
])
valid_tf = transforms.Compose([
    transforms.Resize((IMG_SIZE, IMG_SIZE)),
    transforms.ToTensor(),
])


def train_one_epoch(model, loader, criterion, optimizer, scaler):
    model.train()
    running = 0.0
    for images, labels in loader:
        images = images.to(device, non_blocking=True)
        labels = labels.to(device, non_blocking=True)
        optimizer.zero_grad()
        with autocast("cuda"):
            logits = model(images)
        loss = criterion(logits, labels)  # computed on the half-precision logits
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        running += loss.item() * images.size(0)
    return running / len(loader.dataset)


@torch.no_grad()
def validate(model, loader, criterion):
    model.eval()
    total, correct, n = 0.0, 0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        logits = model(images)
        total += criterion(logits, labels).item() * images.size(0)
        correct += (logits.argmax(1) == labels).sum().item()
        n += images.size(0)
    return total / n, correct / n


df = pd.read_csv(os.path.join(DATA_DIR, "train.csv"))
num_classes = df["label"].nunique()
skf = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=42)

for fold, (train_idx, val_idx) in enumerate(skf.split(df, df["label"])):
    print(f"=== Fold {fold + 1}/{N_FOLDS} ===")
    train_loader = DataLoader(LeafDataset(df.iloc[train_idx], train_tf), batch_size=BATCH_SIZE,
                              shuffle=True, num_workers=8, pin_memory=True, drop_last=True)
    val_loader = DataLoader(LeafDataset(df.iloc[val_idx], valid_tf), batch_size=BATCH_SIZE,
                            shuffle=False, num_workers=8, pin_memory=True)

    model = timm.create_model(MODEL_NAME, pretrained=True, num_classes=num_classes,  # weights shipped as an input
                              pretrained_cfg_overlay=dict(file=f"/kaggle/input/timm-weights/{MODEL_NAME}.safetensors")).to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS)
    scaler = GradScaler("cuda")

    best_loss = np.inf
    for epoch in range(EPOCHS):
        start = time.time()
        train_loss = train_one_epoch(model, train_loader, criterion, optimizer, scaler)
        val_loss, val_acc = validate(model, val_loader, criterion)
        scheduler.step()
        print(f"epoch {epoch}: train {train_loss:.4f} val {val_loss:.4f} acc {val_acc:.4f} "
              f"({time.time() - start:.0f}s)")
        if epoch < 2 and abs(val_loss - np.log(num_classes)) < 0.1:
            print(f"val loss is at the random baseline ln({num_classes}): the model is not learning")
        if val_loss < best_loss:
            best_loss = val_loss
            torch.save(model.state_dict(), f"{OUT_DIR}/{MODEL_NAME}_fold{fold}_best.pth")
