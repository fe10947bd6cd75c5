"""Static facts about a dataset that models and augmentations need before seeing any image."""

from __future__ import annotations

from dataclasses import dataclass, replace

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# Per-channel pixel statistics of the training sets (solo-learn's values; the MoCo demo's
# CIFAR-10 std (0.2023, 0.1994, 0.2010) is a known mis-computation and is not used).
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)
CIFAR100_MEAN = (0.5071, 0.4865, 0.4409)
CIFAR100_STD = (0.2673, 0.2564, 0.2762)


@dataclass(frozen=True)
class DatasetInfo:
    """Shape and normalisation of a dataset's images.

    ``image_size`` is the side of the square views that training uses; ``mean`` and ``std``
    have one entry per channel and apply to pixels on [0, 1]; ``resize``, when set, is the
    short side evaluation views are resized to before their centre crop of ``image_size``
    (images of varying size, or a size other than the stored one).
    """

    name: str
    num_classes: int
    channels: int
    image_size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    resize: int | None = None

    def __post_init__(self) -> None:
        if len(self.mean) != self.channels or len(self.std) != self.channels:
            raise ValueError(f"{self.name}: mean/std need {self.channels} entries")
        if min(self.std) <= 0:
            raise ValueError(f"{self.name}: std must be positive")

    @property
    def has_colour(self) -> bool:
        """Whether colour augmentations (saturation, hue, grayscale) make sense."""
        return self.channels == 3


def with_image_size(info: DatasetInfo, image_size: int | None) -> DatasetInfo:
    """``info`` with views of side ``image_size`` (None: the dataset's own); evaluation views
    are resized in the dataset's proportion (ImageNet's 256 for 224)."""
    if image_size is None or image_size == info.image_size:
        return info
    resize = image_size
    if info.resize is not None:
        resize = round(image_size * info.resize / info.image_size)
    return replace(info, image_size=image_size, resize=resize)
