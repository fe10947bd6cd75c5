"""Export a finished run as plain PyTorch: torchvision backbone weights and recipe (or a
`torch.export` program), normalisation statistics, and the heads as Python source.

result = export_run(Path("runs/train-g"), Path("exported/g"))
"""

from nasiam_dsl.export.backbone import TORCHVISION_RESNETS, rebuild_torchvision
from nasiam_dsl.export.heads_source import HeadsSource, heads_source
from nasiam_dsl.export.run_export import EXPORT_FILES, ExportResult, export_run

__all__ = [
    "EXPORT_FILES",
    "TORCHVISION_RESNETS",
    "ExportResult",
    "HeadsSource",
    "export_run",
    "heads_source",
    "rebuild_torchvision",
]
