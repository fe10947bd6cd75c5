"""AST -> torch modules: supernets of spaces, fixed heads of genotypes, derivation, counting.

net = compile_space(parse_file("spaces/nasiam.nas"), backbone_dim=512, seed=0)
with net.arch.step():                      # one architecture sample per training step
    out = net(features)
genotype = derive(net, meta={"dataset": "cifar10"})
fixed = compile_genotype(genotype, 512)
load_chosen_weights(fixed, net)
"""

from nasiam_dsl.compile.arch import ArchParameters, Sampler, SoftmaxSampler
from nasiam_dsl.compile.build import FixedNet, HeadNet, Supernet, compile_genotype, compile_space
from nasiam_dsl.compile.count import (
    SpaceCounts,
    Tally,
    count_architectures,
    count_params,
    count_plan,
    module_node_params,
)
from nasiam_dsl.compile.derive import Ranked, derive, derive_decisions, genotype_document, top_k
from nasiam_dsl.compile.report import CompileReport, build_report, render_report
from nasiam_dsl.compile.transfer import (
    copy_module_state,
    copy_supernet_weights,
    load_chosen_weights,
    match_genotype,
)
from nasiam_dsl.lang.infer import plan_document
from nasiam_dsl.lang.plan import Plan

__all__ = [
    "ArchParameters",
    "CompileReport",
    "FixedNet",
    "HeadNet",
    "Plan",
    "Ranked",
    "Sampler",
    "SoftmaxSampler",
    "SpaceCounts",
    "Supernet",
    "Tally",
    "build_report",
    "compile_genotype",
    "compile_space",
    "copy_module_state",
    "copy_supernet_weights",
    "count_architectures",
    "count_params",
    "count_plan",
    "derive",
    "derive_decisions",
    "genotype_document",
    "load_chosen_weights",
    "match_genotype",
    "module_node_params",
    "plan_document",
    "render_report",
    "top_k",
]
