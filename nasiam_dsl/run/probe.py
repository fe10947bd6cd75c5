"""How a backbone is evaluated: the kNN's k and the linear probe's settings, declared once
for `nasiam eval`, `nasiam compare`, their Python functions and the run's kNN monitor
(torch-free: the command line reads the defaults before torch is imported)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_LR", "KNN_K", "ProbeSettings", "Protocol"]

#: neighbours of the kNN vote (the MoCo / SimSiam CIFAR monitors' 200)
KNN_K = 200

Protocol = Literal["fast", "standard"]
DEFAULT_LR: dict[str, float] = {"fast": 1e-2, "standard": 0.1}


class ProbeSettings(BaseModel):
    """How the linear classifier is trained (`lr`: None takes the protocol's default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    protocol: Protocol = "fast"
    epochs: int = Field(100, gt=0)
    lr: float | None = Field(None, gt=0)
    batch_size: int = Field(256, gt=0)

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LR[self.protocol]

    def describe(self) -> str:
        """What the probe number is, in words (tables and verdicts print it)."""
        if self.protocol == "fast":
            return f"linear probe on frozen features, {self.epochs} epochs, no augmentation"
        return (
            f"standard linear protocol: frozen backbone, random resized crop + flip, "
            f"SGD momentum 0.9, lr {self.learning_rate:g}, cosine, {self.epochs} epochs, "
            f"batch {self.batch_size}"
        )
