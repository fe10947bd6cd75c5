genotype nasiam_moco_derived for mocov2 {
  meta {
    source_space = "nasiam_moco"
    space_hash = "c073654d18fcfe1e"
    version = "0.1.0"
    framework = "mocov2"
    dataset = "embedded"
    backbone = "small_cnn"
    seed = 0
    epochs = 20
    steps = 300
    sampler = "softmax"
    decided = 1
    undecided = 3
    decided_margin = 0.05
    margin_projector_h1_op = "projector.h1.op: linear(x, backbone, bias=false) | bn | silu 0.21 vs identity(x) 0.17: +0.04 over the runner-up, +0.07 over chance (0.14), undecided"
    margin_projector_h2_op = "projector.h2.op: linear(h1, backbone, bias=false) | bn | hardswish 0.26 vs linear(h1, backbone, bias=false) | bn | silu 0.22: +0.04 over the runner-up, +0.12 over chance (0.14), undecided"
    margin_projector_h3_op = "projector.h3.op: linear(h2, backbone, bias=false) | bn | hardswish 0.28 vs linear(h2, backbone, bias=false) | bn | relu 0.17: +0.11 over the runner-up, +0.14 over chance (0.14), decided"
    margin_projector_h4_op = "projector.h4.op: linear(h3, backbone, bias=false) | bn | hardswish 0.20 vs linear(h3, backbone, bias=false) | bn | relu 0.18: +0.02 over the runner-up, +0.05 over chance (0.14), undecided"
  }

  let acts = {relu, silu, hardswish, elu}
  let pools = {maxpool, avgpool}
  let dim = 128

  head projector(x: backbone) {
    h1 = choose(linear(x, backbone, bias=false) | bn | silu @0.2092)
    h2 = choose(linear(h1, backbone, bias=false) | bn | hardswish @0.2634)
    h3 = choose(linear(h2, backbone, bias=false) | bn | hardswish @0.2827)
    h4 = choose(linear(h3, backbone, bias=false) | bn | hardswish @0.1973)
    z = linear(h4, dim)
  }
}
