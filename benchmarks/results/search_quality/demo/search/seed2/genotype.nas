genotype demo_derived for simsiam {
  meta {
    source_space = "demo"
    space_hash = "6d3c0c859dca72e3"
    version = "0.1.0"
    framework = "simsiam"
    dataset = "embedded"
    backbone = "small_cnn"
    seed = 2
    epochs = 20
    steps = 300
    sampler = "softmax"
    ranking = "exact"
    decided = 2
    undecided = 2
    decided_margin = 0.05
    margin_projector_h1_act = "projector.h1.act: elu 0.26 vs relu 0.25: +0.01 over the runner-up, +0.01 over chance (0.25), undecided"
    margin_projector_h2_op = "projector.h2.op: avgpool(h1) | bn 0.37 vs identity(h1) 0.32: +0.05 over the runner-up, +0.03 over chance (0.33), undecided"
    margin_predictor_h_width = "predictor.h.width: 64 0.68 vs 32 0.32: +0.37 over the runner-up, +0.18 over chance (0.50), decided"
    margin_predictor_h_act = "predictor.h.act: elu 0.44 vs hardswish 0.21: +0.23 over the runner-up, +0.19 over chance (0.25), decided"
  }

  let acts = {relu, silu, hardswish, elu}
  let dim = 256
  let pred = 64

  head projector(x: backbone) {
    h1 = linear(x, backbone, bias=false) | bn | act{elu @0.258}
    h2 = choose(avgpool(h1) | bn @0.3668)
    z = linear(h2, dim, bias=frozen) | bn(affine=false)
  }

  head predictor(z: projector) {
    h = linear(z, width{64 @0.6832}, bias=false) | bn | act{elu @0.4386}
    p = linear(h, dim)
  }

  constraint count(identity, avgpool) <= 1 per head
}
