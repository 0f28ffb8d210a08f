"""Local interactions in the LIF stream: Fast Fourier Convolutions (LaMa) or plain convolutions.

An FFC splits the channels into a *local* part (ordinary 3x3 convolutions) and a *global* part
(``ffc_global_ratio`` of the channels) whose spectral transform convolves in the Fourier domain,
so every output pixel sees the whole map. ``ConvResBlock`` is the "Ours w/o FFC" variant of
Tab. 1 and 2. Both residual blocks map ``(N, c, H, W) -> (N, c, H, W)``; inside an
``FFCResBlock`` the first channels are the local part and the last ones the global part.
"""

from __future__ import annotations

import torch
from torch import nn


class FourierUnit(nn.Module):
    """1x1 convolution on the real and imaginary parts of the 2-D FFT: ``(N, C, H, W)`` -> same."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2 * channels, 2 * channels, kernel_size=1, bias=False)
        self.norm = nn.BatchNorm2d(2 * channels)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        dtype = x.dtype
        # cuFFT has no bf16 and only power-of-two fp16 transforms: always transform in fp32.
        with torch.autocast(device_type=x.device.type, enabled=False):
            spectrum = torch.fft.rfft2(x.float(), norm="ortho")  # (N, C, H, W//2+1) complex
            stacked = torch.stack((spectrum.real, spectrum.imag), dim=2)  # (N, C, 2, H, W')
            stacked = stacked.reshape(n, 2 * c, h, -1)
            stacked = self.act(self.norm(self.conv(stacked)))
            stacked = stacked.reshape(n, c, 2, h, -1).float()
            spectrum = torch.complex(stacked[:, :, 0], stacked[:, :, 1])
            out = torch.fft.irfft2(spectrum, s=(h, w), norm="ortho")
        return out.to(dtype)


class SpectralTransform(nn.Module):
    """Global branch of an FFC: 1x1 reduce -> Fourier unit (+ skip) -> 1x1 expand."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        hidden = max(1, out_channels // 2)
        self.reduce = nn.Sequential(
            nn.Conv2d(in_channels, hidden, kernel_size=1, bias=False),
            nn.BatchNorm2d(hidden),
            nn.ReLU(inplace=True),
        )
        self.fourier = FourierUnit(hidden)
        self.expand = nn.Conv2d(hidden, out_channels, kernel_size=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.reduce(x)
        return self.expand(x + self.fourier(x))


class FFC(nn.Module):
    """Fast Fourier Convolution on a ``(local, global)`` pair, followed by BatchNorm + ReLU.

    ``local``: ``(N, c - cg, H, W)``, ``global``: ``(N, cg, H, W)`` with
    ``cg = int(c * global_ratio)``; the output pair has the same shapes.
    """

    def __init__(self, channels: int, global_ratio: float) -> None:
        super().__init__()
        global_channels = int(channels * global_ratio)
        local_channels = channels - global_channels
        if global_channels < 1 or local_channels < 1:
            raise ValueError(f"FFC needs both branches: {channels} channels, ratio {global_ratio}")

        def conv3x3(cin: int, cout: int) -> nn.Conv2d:
            return nn.Conv2d(cin, cout, kernel_size=3, padding=1, padding_mode="reflect",
                             bias=False)

        self.local_to_local = conv3x3(local_channels, local_channels)
        self.local_to_global = conv3x3(local_channels, global_channels)
        self.global_to_local = conv3x3(global_channels, local_channels)
        self.global_to_global = SpectralTransform(global_channels, global_channels)
        self.norm_local = nn.BatchNorm2d(local_channels)
        self.norm_global = nn.BatchNorm2d(global_channels)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x_local: torch.Tensor, x_global: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        y_local = self.local_to_local(x_local) + self.global_to_local(x_global)
        y_global = self.local_to_global(x_local) + self.global_to_global(x_global)
        return self.act(self.norm_local(y_local)), self.act(self.norm_global(y_global))


class FFCResBlock(nn.Module):
    """Two FFCs with a residual connection (LaMa's FFC ResNet block): ``(N, c, H, W)`` -> same."""

    def __init__(self, channels: int, global_ratio: float = 0.75) -> None:
        super().__init__()
        self.global_channels = int(channels * global_ratio)
        self.ffc1 = FFC(channels, global_ratio)
        self.ffc2 = FFC(channels, global_ratio)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        split = x.shape[1] - self.global_channels
        x_local, x_global = x[:, :split], x[:, split:]
        y_local, y_global = self.ffc2(*self.ffc1(x_local, x_global))
        return x + torch.cat((y_local, y_global), dim=1)


class ConvResBlock(nn.Module):
    """Two 3x3 convolutions (BatchNorm + ReLU) with a residual connection: the "w/o FFC" block."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for _ in range(2):
            layers += [
                nn.Conv2d(channels, channels, kernel_size=3, padding=1, padding_mode="reflect",
                          bias=False),
                nn.BatchNorm2d(channels),
                nn.ReLU(inplace=True),
            ]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.layers(x)


def local_interaction(channels: int, *, use_ffc: bool, global_ratio: float,
                      blocks: int = 1) -> nn.Sequential:
    """The LIF stream's residual blocks inside one intra- or cross-frame block."""
    make = (lambda: FFCResBlock(channels, global_ratio)) if use_ffc else (
        lambda: ConvResBlock(channels))
    return nn.Sequential(*(make() for _ in range(blocks)))
